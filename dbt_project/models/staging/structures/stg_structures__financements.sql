with source as (
    select * from {{ source('raw', 'structures_financements') }}
),

final as (
    select
        structure_id,
        code_commune,
        annee,
        dispositif,
        montant_eur,
        source_file,
        ligne
    from source
)

select * from final
