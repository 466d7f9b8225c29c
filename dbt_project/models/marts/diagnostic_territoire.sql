{#
  The convention's diagnostic tables (Annexe 1): one row per territory (EPCI) and indicator,
  for its latest year at EPCI level, "Année Réf | EPCI | variation 5 ans | département |
  variation". `est_territoire_principal` marks the convention's EPCI (the report's).
#}
with indicateurs as (
    select * from {{ ref('indicateurs') }}
),

catalogue as (
    select * from {{ ref('indicateurs_catalogue') }}
),

territoire as (
    select * from {{ ref('stg_ref__territoire') }}
),

epci as (
    select * from indicateurs
    where territoire_niveau = 'epci'
),

departement as (
    select * from indicateurs
    where territoire_niveau = 'departement'
),

latest_year as (
    select
        indicateur_code,
        territoire_code,
        max(annee) as annee
    from epci
    where valeur is not null
    group by indicateur_code, territoire_code
),

final as (
    select
        catalogue.ordre,
        catalogue.theme,
        latest_year.indicateur_code,
        catalogue.libelle,
        catalogue.unite,
        latest_year.annee as annee_reference,
        epci.territoire_code as epci_code,
        epci.territoire_libelle as epci_libelle,
        epci.valeur as valeur_epci,
        epci.variation_5ans_pct as variation_5ans_epci_pct,
        territoire.dep_code as departement_code,  -- named even where its figure is missing
        territoire.dep_libelle as departement_libelle,
        departement.valeur as valeur_departement,
        departement.variation_5ans_pct as variation_5ans_departement_pct,
        epci.est_approximatif or coalesce(departement.est_approximatif, false) as est_approximatif,
        epci.source,
        territoire.est_principal as est_territoire_principal
    from latest_year
    inner join epci
        on latest_year.indicateur_code = epci.indicateur_code
        and latest_year.territoire_code = epci.territoire_code
        and latest_year.annee = epci.annee
    inner join territoire
        on latest_year.territoire_code = territoire.epci_siren
    left join departement
        on latest_year.indicateur_code = departement.indicateur_code
        and latest_year.annee = departement.annee
        and territoire.dep_code = departement.territoire_code
    inner join catalogue
        on latest_year.indicateur_code = catalogue.indicateur_code
)

select * from final
