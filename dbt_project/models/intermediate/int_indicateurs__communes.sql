{#
  Every indicator at commune level, for every commune of the extracts (the whole
  département is needed for the comparison), as a numerator and, for ratios, a denominator.
  Ratios are never averaged: the territory levels re-sum numerators and denominators.

  Legacy files and the current portal can give the same figure: for a given indicator and
  year, legacy files win (exact counts, only small cells masked) and the portal (rounded to
  5) fills the years the legacy files do not cover. The rule is per indicator and year, so a
  territory's figure never mixes the two.
  An indicator whose variables no commune has in a year is not produced for that year.
  Incremental by year and indicator (macros/incremental.sql).
#}

{{ year_incremental_config(by_indicator=true) }}
{# Asked once for the three selects below (queries on an incremental run). #}
{% set recomputed_indicators = indicators_recomputed_filter() %}

-- Not materialized: each of the indicators' selects below reads only its own columns of the
-- wide table (nationally 6.6 s instead of 12.3 s for the model).
with variables as not materialized (
    select * from {{ ref('int_communes__variables') }}
    where {{ years_recomputed() }}
),

-- The childminders of a year count the children of one of the four years before.
child_variables as (
    select * from {{ ref('int_communes__variables') }}
    where {{ years_recomputed(back=4) }}
),

populations as (
    select * from {{ ref('stg_insee__populations_legales') }}
    where {{ years_recomputed() }}
),

variable_rows as (
    {{ indicator_rows('variables', commune_indicators()) }}
),

population_rows as (
    select
        'population_municipale' as indicateur_code,
        code_commune,
        dep_code,
        annee,
        cast(population_municipale as double) as numerateur,
        cast(null as double) as denominateur,
        false as est_ratio,
        false as est_approximatif,
        true as numerateur_present,
        true as denominateur_present,
        source_libelle as source,
        1 as priorite
    from populations
),

-- Childminders per 100 children under 3: the partner's count of a year (2019) against the
-- CAF children of the latest year at or before it (EnfantAgeCom 2018), as the convention
-- does; the source names both files.
child_count_years as (
    select
        partner_years.annee,
        max(child_years.annee) as annee_enfants
    from (
        select distinct annee from variables
        where a_partenaire
    ) as partner_years
    inner join (
        select distinct annee from child_variables
        where a_enfage
    ) as child_years
        on child_years.annee between partner_years.annee - 4 and partner_years.annee
    group by partner_years.annee
),

childminder_rows as (
    select
        'am_pour_100_enfants_moins_3' as indicateur_code,
        partner.code_commune,
        partner.dep_code,
        partner.annee,
        cast(partner.partenaire__am_actives as double) as numerateur,
        cast(children.enfage__nb_enfants_0_2_ans as double) as denominateur,
        true as est_ratio,
        partner.partenaire__am_actives is null or children.enfage__nb_enfants_0_2_ans is null as est_approximatif,
        {{ variable_present('partenaire__am_actives', 'partner') }} as numerateur_present,
        {{ variable_present('enfage__nb_enfants_0_2_ans', 'children') }} as denominateur_present,
        concat_ws(' ; ', partner.partenaire__source_libelle, children.enfage__source_libelle) as source,
        1 as priorite
    from variables as partner
    inner join child_count_years
        on partner.annee = child_count_years.annee
    inner join child_variables as children
        on partner.code_commune = children.code_commune
        and children.annee = child_count_years.annee_enfants
        and children.a_enfage
    where partner.a_partenaire
),

-- On an incremental run, only the indicators fed by the sources that changed (DuckDB prunes
-- the others' selects: their codes are constants).
all_rows as materialized (
    select * from variable_rows
    where {{ recomputed_indicators }}
    union all
    select * from population_rows
    where {{ recomputed_indicators }}
    union all
    select * from childminder_rows
    where {{ recomputed_indicators }}
),

-- A variable absent from a year's files (an older partner extract, a census edition without
-- POP0019) gives no row for that year, rather than NULL figures passed off as approximate.
-- A variable present but masked for every commune (small counts) still gives its rows.
-- (Grouped, then joined back: window functions over the tens of millions of commune rows of
-- national extracts cost several times more.)
with_data as (
    select
        indicateur_code,
        annee,
        priorite
    from all_rows
    group by indicateur_code, annee, priorite
    having bool_or(numerateur_present) and bool_or(denominateur_present)
),

-- For each indicator and year, the best source present: legacy (1) before portal (2).
retained as (
    select
        indicateur_code,
        annee,
        min(priorite) as priorite
    from with_data
    group by indicateur_code, annee
),

final as (
    select
        all_rows.indicateur_code,
        all_rows.code_commune,
        all_rows.dep_code,
        all_rows.annee,
        all_rows.numerateur,
        all_rows.denominateur,
        all_rows.est_ratio,
        all_rows.est_approximatif,
        all_rows.source,
        all_rows.priorite
    from all_rows
    inner join retained
        on all_rows.indicateur_code = retained.indicateur_code
        and all_rows.annee = retained.annee
        and all_rows.priorite = retained.priorite
)

select * from final
