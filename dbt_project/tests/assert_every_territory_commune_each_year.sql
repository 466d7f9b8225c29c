-- Every commune of the territory has a row for every indicator and year built from commune
-- figures: a commune missing from an extract would silently shrink the EPCI total. An
-- incremental run checks the indicators and years it recomputed (macros/incremental.sql).
{{ config(meta={'dagster': {'ref': {'name': 'indicateurs'}}}) }}  -- shown as a check of indicateurs

with indicateurs as (
    select * from {{ ref('indicateurs') }}
    where {{ years_tested(indicator_column='indicateur_code') }}
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

per_indicator_year as (
    select
        indicateurs.indicateur_code,
        indicateurs.annee,
        count(territoire_communes.code_commune) as communes
    from indicateurs
    left join territoire_communes
        on indicateurs.territoire_niveau = 'commune'
        and indicateurs.territoire_code = territoire_communes.code_commune
    where indicateurs.indicateur_code not in (
            'capacite_theorique_accueil',  -- large communes only
            'nb_communes_avec_alsh',  -- EPCI only
            'part_population_epci_dans_antenne',  -- the EPCI's share of its CAF antenne
            'part_allocataires_epci_dans_antenne'
        )
        -- Axe 10: the communes where the permis de louer applies only.
        and indicateurs.source not like 'permis de louer%'
    group by indicateurs.indicateur_code, indicateurs.annee
)

select
    per_indicator_year.*,
    (select count(*) from territoire_communes) as communes_attendues
from per_indicator_year
where per_indicator_year.communes <> (select count(*) from territoire_communes)
