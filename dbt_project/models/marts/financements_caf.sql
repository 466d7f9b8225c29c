{#
  CAF funding of the territory by commune, year and scheme, with the structure's type and
  family when the funding is for a structure (euros).
#}

with financements as (
    select * from {{ ref('stg_structures__financements') }}
),

structures as (
    select * from {{ ref('stg_structures__inventaire') }}
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

final as (
    select
        coalesce(financements.code_commune, structures.code_commune) as code_commune,
        territoire_communes.libelle_commune,
        financements.annee,
        financements.dispositif,
        financements.structure_id,
        structures.nom as structure_nom,
        structures.type as structure_type,
        structures.famille as structure_famille,
        financements.montant_eur,
        financements.source_file
    from financements
    left join structures
        on financements.structure_id = structures.structure_id
    inner join territoire_communes
        on coalesce(financements.code_commune, structures.code_commune) = territoire_communes.code_commune
)

select * from final
