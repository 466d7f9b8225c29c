{#
  Indicators at the three levels of the convention: each commune of the territory, the EPCI
  (its communes summed) and the comparison département (all of its communes in the extracts).
  Ratios are rebuilt from summed numerators and denominators; a level is approximate when
  any commune's input was masked or missing. A département figure needs extracts covering
  more than the territory: summed over the territory's communes alone (an extract of the EPCI
  only), it would be the EPCI's figure under the département's name, so it is not produced.
  Ephemeral: marts.indicateurs alone reads it, and dbt inlines it in that model's query, which
  computes it with its variations (nationally 38 s instead of 18 s to write these 14.5 million
  rows and 25 s to read them back; the same rows). Inlined, it reads only the years and
  indicators an incremental run recomputes (macros/incremental.sql): the optimiser does not
  carry the mart's filters into the commune sums, which two readers share, and summed every
  year and indicator (the mart's query for one theme: 2.4 s without this filter, 1.1 s with it).
#}

{{ config(materialized='ephemeral') }}

{% set commune_only = offer_indicators().extremes | map('first') | list %}
{# The group that is the CAF's antenne covering the territory (dbt_project.yml, antenne_caf). #}
{% set antenne = var('antenne_caf', '') | replace("'", "''") %}

-- Not materialized: each of its three readers scans the tables again, with its own filters.
-- Nationally, marts.indicateurs takes 19 s instead of 26 s.
with communes as not materialized (
    select * from {{ ref('int_indicateurs__communes') }}
    where {{ rows_recomputed_by_reader(back=5) }}
    union all
    -- The offer of the territory's structures (inventory, activity, funding).
    select * from {{ ref('int_indicateurs__offre') }}
    where {{ rows_recomputed_by_reader(back=5) }}
),

territoire as (
    select * from {{ ref('stg_ref__territoire') }}
),

-- The comparison départements of the territories (several EPCIs may share one).
departements as (
    select distinct
        dep_code,
        dep_libelle
    from territoire
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

onape as (
    select * from {{ ref('stg_caf__onape') }}
),

commune_names as (
    select * from {{ ref('int_communes__libelles') }}
),

-- The communes of each group (its member communes, and those of its member EPCIs).
group_communes as (
    select * from {{ ref('int_groupements__communes') }}
),

group_sizes as (
    select
        groupement_code,
        count(*) as membres
    from group_communes
    group by groupement_code
),

-- Commune rows: the territory's communes; with the var toutes_communes_departement
-- (ctg refresh --all-departement-communes), every commune of the comparison département too.
commune_level as (
    select
        communes.indicateur_code,
        'commune' as territoire_niveau,
        communes.code_commune as territoire_code,
        coalesce(territoire_communes.libelle_commune, commune_names.libelle_commune, communes.code_commune) as territoire_libelle,
        communes.annee,
        communes.numerateur,
        communes.denominateur,
        communes.est_ratio,
        communes.est_approximatif,
        communes.source,
        communes.priorite
    from communes
    left join territoire_communes
        on communes.code_commune = territoire_communes.code_commune
    left join commune_names
        on communes.code_commune = commune_names.code_commune
    where (
        territoire_communes.code_commune is not null
        {% if var('toutes_communes_departement', false) %}
            or communes.dep_code in (select departements.dep_code from departements)
        {% endif %}
    )
    -- A count of communes has no commune figure.
    and communes.indicateur_code <> 'nb_communes_avec_alsh'
),

-- The EPCI and département levels in two steps: first each commune row once, summed by
-- indicator, year, département and EPCI among those computed ('' for a commune outside them:
-- `perimetre`); then those parts summed per EPCI and per département. Exact sums add up, so
-- the figures are those of one sum over the communes, for one pass over the 14 million commune
-- rows of a national refresh instead of two.
commune_parts as (
    select
        communes.indicateur_code,
        communes.annee,
        communes.dep_code,
        coalesce(territoire_communes.epci_siren, '') as perimetre,
        {{ exact_sum('communes.numerateur', as_double=false) }} as numerateur,
        {{ exact_sum('communes.denominateur', as_double=false) }} as denominateur,
        bool_and(communes.est_ratio) as est_ratio,
        bool_or(
            communes.est_approximatif
            or communes.numerateur is null
            or (communes.est_ratio and communes.denominateur is null)
        ) as est_approximatif,
        min(communes.source) as source,
        min(communes.priorite) as priorite
    from communes
    left join territoire_communes
        on communes.code_commune = territoire_communes.code_commune
    -- Extremes of a commune (the fewest and most opening days of its EAJE) do not sum.
    where communes.indicateur_code not in ('{{ commune_only | join("', '") }}')
    group by communes.indicateur_code, communes.annee, communes.dep_code, coalesce(territoire_communes.epci_siren, '')
),

level_parts as (
    select
        commune_parts.*,
        'epci' as territoire_niveau,
        territoire.epci_siren as territoire_code,
        territoire.epci_libelle as territoire_libelle
    from commune_parts
    inner join territoire
        on commune_parts.perimetre = territoire.epci_siren
    union all
    select
        commune_parts.*,
        'departement' as territoire_niveau,
        departements.dep_code as territoire_code,
        departements.dep_libelle as territoire_libelle
    from commune_parts
    inner join departements
        on commune_parts.dep_code = departements.dep_code
),

epci_and_departement_levels as (
    select
        indicateur_code,
        territoire_niveau,
        territoire_code,
        territoire_libelle,
        annee,
        {{ exact_sum('numerateur') }} as numerateur,
        {{ exact_sum('denominateur') }} as denominateur,
        bool_and(est_ratio) as est_ratio,
        bool_or(est_approximatif) as est_approximatif,
        min(source) as source,
        min(priorite) as priorite
    from level_parts
    group by indicateur_code, territoire_niveau, territoire_code, territoire_libelle, annee
    -- A département figure needs communes beyond one territory (extracts of a single EPCI would
    -- give the EPCI's figure under the département's name). (min <> max: more than one
    -- perimeter, without a distinct count.)
    having territoire_niveau <> 'departement' or min(perimetre) <> max(perimetre)
),

-- Each commune row once per group it is a member of, with the group's number of communes.
group_members as (
    select
        communes.*,
        group_communes.groupement_code as territoire_code,
        group_communes.groupement_libelle as territoire_libelle,
        group_sizes.membres
    from communes
    inner join group_communes
        on communes.code_commune = group_communes.code_commune
    inner join group_sizes
        on group_communes.groupement_code = group_sizes.groupement_code
),

group_level as (
    select
        indicateur_code,
        'groupement' as territoire_niveau,
        territoire_code,
        territoire_libelle,
        annee,
        -- Exact sums (macro exact_sum): ETP 1.5 + 0.64 + ... are 5.74, not 5.739999999999999,
        -- and amounts in millions have the same last digits whatever the order of the rows.
        {{ exact_sum('numerateur') }} as numerateur,
        {{ exact_sum('denominateur') }} as denominateur,
        bool_and(est_ratio) as est_ratio,
        bool_or(
            est_approximatif
            or numerateur is null
            or (est_ratio and denominateur is null)
        ) as est_approximatif,
        min(source) as source,
        min(priorite) as priorite
    from group_members
    where indicateur_code not in ('{{ commune_only | join("', '") }}')
    group by indicateur_code, territoire_code, territoire_libelle, annee
    -- A group's figure needs all of its communes (the offer of a group reaching beyond the
    -- territory's inventory would be partial); a commune is in a group once per indicator and
    -- year, so count(*) counts its communes.
    having count(*) = max(membres)
),

summed_levels as (
    select * from epci_and_departement_levels
    union all
    select * from group_level
),

-- The share of an EPCI in the CAF's antenne that covers it (the var antenne_caf, a group of
-- seeds/groupements.csv): its population and allocataires over the antenne's, same year and
-- source. Only for an EPCI whose communes are all in the antenne.
epci_in_antenne as (
    select territoire_communes.epci_siren
    from territoire_communes
    left join group_communes
        on territoire_communes.code_commune = group_communes.code_commune
        and group_communes.groupement_code = '{{ antenne }}'
    group by territoire_communes.epci_siren
    having count(*) = count(group_communes.code_commune)
),

antenne_shares as (
    select
        shares.indicateur_code,
        epci.territoire_niveau,
        epci.territoire_code,
        epci.territoire_libelle,
        epci.annee,
        epci.numerateur,
        antenne.numerateur as denominateur,
        true as est_ratio,
        epci.est_approximatif or antenne.est_approximatif as est_approximatif,
        epci.source,
        epci.priorite
    from (
        values
        {% for share, base in antenne_shares() %}
            ('{{ share }}', '{{ base }}'){% if not loop.last %},{% endif %}
        {% endfor %}
    ) as shares (indicateur_code, base_code)
    inner join summed_levels as epci
        on shares.base_code = epci.indicateur_code
        and epci.territoire_niveau = 'epci'
    inner join epci_in_antenne
        on epci.territoire_code = epci_in_antenne.epci_siren
    inner join summed_levels as antenne
        on epci.indicateur_code = antenne.indicateur_code
        and epci.annee = antenne.annee
        and epci.priorite = antenne.priorite
        and antenne.territoire_niveau = 'groupement'
        and antenne.territoire_code = '{{ antenne }}'
),

-- Figures published per level that cannot be rebuilt from commune sums (their denominators
-- are not published): the ONAPE theoretical capacity, taken as is at each level.
published_levels as (
    select
        'capacite_theorique_accueil' as indicateur_code,
        onape.territoire_niveau,
        onape.territoire_code,
        case onape.territoire_niveau
            when 'commune' then territoire_communes.libelle_commune
            when 'epci' then territoire.epci_libelle
            when 'departement' then departements.dep_libelle
        end as territoire_libelle,
        onape.annee,
        onape.valeur as numerateur,
        cast(null as double) as denominateur,
        false as est_ratio,
        false as est_approximatif,
        onape.source_libelle as source,
        1 as priorite
    from onape
    left join territoire_communes
        on onape.territoire_niveau = 'commune'
        and onape.territoire_code = territoire_communes.code_commune
    left join territoire
        on onape.territoire_niveau = 'epci'
        and onape.territoire_code = territoire.epci_siren
    left join departements
        on onape.territoire_niveau = 'departement'
        and onape.territoire_code = departements.dep_code
    where onape.mesure = 'txcouv'
        and onape.variable = 'txcouv'
        and (
            territoire_communes.code_commune is not null
            or territoire.epci_siren is not null
            or departements.dep_code is not null
        )
),

final as (
    select * from commune_level
    union all
    select * from summed_levels
    union all
    select * from antenne_shares
    union all
    select * from published_levels
    union all
    -- Axe 10 (permis de louer): masked commune counts cannot be summed; built per level.
    select * from {{ ref('int_indicateurs__permis') }}
)

select * from final
