-- Every commune of the territory has a row for every indicator and year built from commune
-- figures: a commune missing from an extract would silently shrink the EPCI total.
with indicateurs as (
    select * from {{ ref('indicateurs') }}
),

territoire_communes as (
    select count(*) as n from {{ ref('stg_ref__territoire_communes') }}
),

per_indicator_year as (
    select
        indicateur_code,
        annee,
        count(*) filter (where territoire_niveau = 'commune') as communes
    from indicateurs
    where indicateur_code <> 'capacite_theorique_accueil'  -- published for large communes only
    group by indicateur_code, annee
)

select per_indicator_year.*, territoire_communes.n as communes_attendues
from per_indicator_year
cross join territoire_communes
where per_indicator_year.communes <> territoire_communes.n
