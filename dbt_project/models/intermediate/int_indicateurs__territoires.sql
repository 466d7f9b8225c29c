{#
  Indicators at the three levels of the convention: each commune of the territory, the EPCI
  (its communes summed) and the comparison département (all of its communes in the extracts).
  Ratios are rebuilt from summed numerators and denominators; a level is approximate when
  any commune's input was masked or missing.
#}

with communes as (
    select * from {{ ref('int_indicateurs__communes') }}
),

territoire as (
    select * from {{ ref('stg_ref__territoire') }}
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

commune_level as (
    select
        communes.indicateur_code,
        'commune' as territoire_niveau,
        communes.code_commune as territoire_code,
        territoire_communes.libelle_commune as territoire_libelle,
        communes.annee,
        communes.numerateur,
        communes.denominateur,
        communes.est_ratio,
        communes.est_approximatif,
        communes.source
    from communes
    inner join territoire_communes
        on communes.code_commune = territoire_communes.code_commune
),

epci_level as (
    select
        communes.indicateur_code,
        'epci' as territoire_niveau,
        any_value(territoire.epci_siren) as territoire_code,
        any_value(territoire.epci_libelle) as territoire_libelle,
        communes.annee,
        sum(communes.numerateur) as numerateur,
        sum(communes.denominateur) as denominateur,
        bool_and(communes.est_ratio) as est_ratio,
        bool_or(
            communes.est_approximatif
            or communes.numerateur is null
            or (communes.est_ratio and communes.denominateur is null)
        ) as est_approximatif,
        min(communes.source) as source
    from communes
    inner join territoire_communes
        on communes.code_commune = territoire_communes.code_commune
    cross join territoire
    group by communes.indicateur_code, communes.annee
),

departement_level as (
    select
        communes.indicateur_code,
        'departement' as territoire_niveau,
        any_value(territoire.dep_code) as territoire_code,
        any_value(territoire.dep_libelle) as territoire_libelle,
        communes.annee,
        sum(communes.numerateur) as numerateur,
        sum(communes.denominateur) as denominateur,
        bool_and(communes.est_ratio) as est_ratio,
        bool_or(
            communes.est_approximatif
            or communes.numerateur is null
            or (communes.est_ratio and communes.denominateur is null)
        ) as est_approximatif,
        min(communes.source) as source
    from communes
    inner join territoire
        on communes.dep_code = territoire.dep_code
    group by communes.indicateur_code, communes.annee
),

final as (
    select * from commune_level
    union all
    select * from epci_level
    union all
    select * from departement_level
)

select * from final
