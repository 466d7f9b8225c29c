-- ONAPE publishes commune figures for large communes only: for each EPCI of the refresh, the
-- places of its communes that have one never exceed the EPCI's figure (2 % tolerance), and,
-- when every commune has one, their sum is within 2 % of it.
{{ config(meta={'dagster': {'ref': {'name': 'stg_caf__onape'}}}) }}  -- shown as a check of stg_caf__onape

with places as (
    select * from {{ ref('stg_caf__onape') }}
    where mesure = 'nbpla' and variable = 'tot_offre'
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

epci_sizes as (
    select
        epci_siren,
        count(*) as communes_epci
    from territoire_communes
    group by epci_siren
),

commune_sums as (
    select
        territoire_communes.epci_siren,
        places.annee,
        sum(places.valeur) as places_communes,
        count(*) as communes
    from places
    inner join territoire_communes
        on places.territoire_niveau = 'commune'
        and places.territoire_code = territoire_communes.code_commune
    group by territoire_communes.epci_siren, places.annee
),

epci as (
    select
        places.territoire_code as epci_siren,
        places.annee,
        places.valeur as places_epci
    from places
    where places.territoire_niveau = 'epci'
)

select
    commune_sums.*,
    epci.places_epci
from commune_sums
inner join epci
    on commune_sums.epci_siren = epci.epci_siren
    and commune_sums.annee = epci.annee
inner join epci_sizes
    on commune_sums.epci_siren = epci_sizes.epci_siren
where commune_sums.places_communes > 1.02 * epci.places_epci
    or (
        commune_sums.communes = epci_sizes.communes_epci
        and commune_sums.places_communes < 0.98 * epci.places_epci
    )
