with source as (
    select * from {{ source('raw', 'suivi_plan_action') }}
),

final as (
    select
        axe,
        objectif,
        indicateur_code,
        annee,
        valeur,
        statut,
        commentaire,
        territoire,
        porteur,
        valide_copil_le,
        source_file,
        loaded_at,
        ligne
    from source
)

select * from final
