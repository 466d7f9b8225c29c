{#
  Where the offer is missing: for each commune of the territory and year of the offer, whether
  it has no collective care (EAJE, micro-crèche or MAM), no ALSH, no social-life structure
  (agreed centre social or EVS). The convention's "territoires non dotés" (Axes 5, 6, 11).
  A structure in project is not there yet.
#}

with structure_years as (
    select * from {{ ref('int_structures__annees') }}
    where {{ offer_indicators().open }}
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

annees as (
    select distinct annee from structure_years
),

per_commune as (
    select
        territoire_communes.code_commune,
        territoire_communes.libelle_commune,
        annees.annee,
        count(structure_years.structure_id) filter (
            where structure_years.type in ('EAJE', 'MICRO_CRECHE_PAJE', 'MAM')
        ) as nb_accueil_collectif,
        count(structure_years.structure_id) filter (where structure_years.type = 'ALSH') as nb_alsh,
        count(structure_years.structure_id) filter (where structure_years.est_avs_agreee) as nb_structures_avs
    from territoire_communes
    cross join annees
    left join structure_years
        on territoire_communes.code_commune = structure_years.code_commune
        and annees.annee = structure_years.annee
    group by territoire_communes.code_commune, territoire_communes.libelle_commune, annees.annee
),

final as (
    select
        code_commune,
        libelle_commune,
        annee,
        nb_accueil_collectif = 0 as sans_accueil_collectif,
        nb_alsh = 0 as sans_alsh,
        nb_structures_avs = 0 as sans_structure_avs,
        (nb_accueil_collectif = 0)::integer + (nb_alsh = 0)::integer + (nb_structures_avs = 0)::integer as nb_manques
    from per_commune
)

select * from final
