-- When every commune of the EPCI has its own ONAPE places figure, their sum is within 2 % of
-- the EPCI's published figure.
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
    select places.annee, sum(places.valeur) as places_communes, count(*) as communes
    from places
    inner join territoire_communes
        on places.territoire_niveau = 'commune'
        and places.territoire_code = territoire_communes.code_commune
    group by places.annee
),

epci as (
    select places.annee, places.valeur as places_epci
    from places
    inner join territoire
        on places.territoire_niveau = 'epci'
        and places.territoire_code = territoire.epci_siren
)

select commune_sums.*, epci.places_epci
from commune_sums
inner join epci on commune_sums.annee = epci.annee
where commune_sums.communes = (select count(*) from territoire_communes)
  and abs(commune_sums.places_communes - epci.places_epci) > 0.02 * epci.places_epci
