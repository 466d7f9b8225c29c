with source as (
    select * from {{ source('raw', 'structures_activite') }}
),

final as (
    select
        structure_id,
        annee,
        mesure,
        code_commune_residence,
        valeur,
        source_file,
        ligne
    from source
)

select * from final
