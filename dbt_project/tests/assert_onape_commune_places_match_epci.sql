-- ONAPE publishes commune figures for large communes only: the places of the territory's
-- communes that have one never exceed the EPCI's figure (2 % tolerance), and, when every
-- commune has one, their sum is within 2 % of it.
{{ config(meta={'dagster': {'ref': {'name': 'stg_caf__onape'}}}) }}  -- shown as a check of stg_caf__onape

with places as (
    select * from {{ ref('stg_caf__onape') }}
    where mesure = 'nbpla' and variable = 'tot_offre'
),

territoire as (
    select * from {{ ref('stg_ref__territoire') }}
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

commune_sums as (
    select
        places.annee,
        sum(places.valeur) as places_communes,
        count(*) as communes
    from places
    inner join territoire_communes
        on places.territoire_niveau = 'commune'
        and places.territoire_code = territoire_communes.code_commune
    group by places.annee
),

epci as (
    select
        places.annee,
        places.valeur as places_epci
    from places
    inner join territoire
        on places.territoire_niveau = 'epci'
        and places.territoire_code = territoire.epci_siren
)

select
    commune_sums.*,
    epci.places_epci
from commune_sums
inner join epci on commune_sums.annee = epci.annee
where commune_sums.places_communes > 1.02 * epci.places_epci
    or (
        commune_sums.communes = (select count(*) from territoire_communes)
        and commune_sums.places_communes < 0.98 * epci.places_epci
    )
