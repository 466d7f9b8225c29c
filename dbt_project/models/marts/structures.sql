{#
  The register of family-service structures (Annexe 2 of the convention and what the
  coordination adds): one row per structure, with its status on 31 December of the latest
  year of the offer (ouverte, fermee, projet, or a_venir when it opens later).
#}

with structures as (
    select * from {{ ref('stg_structures__inventaire') }}
),

structure_years as (
    select * from {{ ref('int_structures__annees') }}
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

reference_date as (
    select make_date(max(annee), 12, 31) as au
    from structure_years
),

final as (
    select
        structures.structure_id,
        structures.type,
        structures.type_libelle,
        structures.famille,
        structures.sous_type,
        structures.nom,
        structures.adresse,
        structures.code_commune,
        territoire_communes.libelle_commune,
        territoire_communes.code_commune is not null as dans_le_territoire,
        structures.gestionnaire,
        structures.gestionnaire_nature,
        structures.places,
        structures.psu,
        structures.etp,
        structures.date_ouverture,
        structures.date_fermeture,
        reference_date.au as statut_au,
        case
            when structures.agrement = 'projet' then 'projet'
            when structures.date_fermeture <= reference_date.au then 'fermee'
            when structures.date_ouverture > reference_date.au then 'a_venir'
            else 'ouverte'
        end as statut,
        structures.agrement,
        structures.zone,
        structures.dispositifs,
        structures.periscolaire,
        structures.mercredi,
        structures.extrascolaire,
        structures.ete,
        structures.source_file
    from structures
    cross join reference_date
    left join territoire_communes
        on structures.code_commune = territoire_communes.code_commune
)

select * from final
