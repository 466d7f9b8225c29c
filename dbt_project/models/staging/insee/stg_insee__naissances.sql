with source as (
    select * from {{ source('raw', 'insee_naissances') }}
),

final as (
    select
        code_commune,
        {{ departement_of('code_commune') }} as dep_code,
        cast(annee as integer) as annee,
        naissances,
        'INSEE naissances domiciliées ' || annee || ' (' || source_file || ')' as source_libelle
    from source
)

select * from final
