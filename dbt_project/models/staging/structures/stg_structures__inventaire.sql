with source as (
    select * from {{ source('raw', 'structures_inventaire') }}
),

types as (
    select * from {{ ref('types_structures') }}
),

final as (
    select
        source.structure_id,
        source.type,
        types.libelle as type_libelle,
        types.famille,
        source.sous_type,
        source.nom,
        source.adresse,
        source.code_commune,
        source.gestionnaire,
        source.gestionnaire_nature,
        source.places,
        source.psu,
        source.etp,
        source.date_ouverture,
        source.date_fermeture,
        source.agrement,
        source.zone,
        coalesce({{ split_to_list('source.dispositifs', "','") }}, []) as dispositifs,
        source.periscolaire,
        source.mercredi,
        source.extrascolaire,
        source.ete,
        -- A centre social or EVS still in its project phase is listed but never counted.
        source.type in ('CENTRE_SOCIAL', 'EVS') and coalesce(source.agrement, '') <> 'projet' as est_avs_agreee,
        source.source_file,
        source.ligne
    from source
    left join types
        on source.type = types.type
)

select * from final
