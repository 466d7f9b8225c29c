with source as (
    select * from {{ source('raw', 'insee_populations_legales') }}
),

final as (
    select
        code_commune,
        {{ departement_of('code_commune') }} as dep_code,
        cast(annee as integer) as annee,
        libelle_commune,
        cast(pmun as bigint) as population_municipale,
        cast(ptot as bigint) as population_totale,
        'INSEE populations légales ' || cast(annee as varchar) as source_libelle
    from source
)

select * from final
