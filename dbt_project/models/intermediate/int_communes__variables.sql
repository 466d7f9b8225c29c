{#
  Every variable of every commune-level source side by side, one row per commune and year,
  each column prefixed by its source (`rsa__nb_allocataire_rsa`), with `a_<source>` telling
  whether the source has the commune that year (a NULL variable of a present source is
  masked, not absent). Also the populations légales of the latest year at or before the row's
  year: the denominator of per-inhabitant rates (the convention divides 2018 CAF counts by
  the 2016 population). Incremental by year, and when only some sources' figures changed,
  their columns updated in place (macros/incremental.sql).
#}

{% set keys = ['code_commune', 'annee', 'dep_code', 'libelle_commune', 'mois'] %}
{{ year_incremental_config(pre_hook="{{ update_or_delete_recomputed_variables(" ~ keys ~ ") }}") }}

{# prefix -> staging model, from the source registry (macros/registry.sql) #}
{% set sources = ctg_registry()['commune_models'] %}
{# Asked once for all the sources below and for the pre-hook (queries on an incremental run).
   When the pre-hook updates the changed columns in place, no row is added (macros/incremental.sql). #}
{% set in_place = variables_updated_in_place(sources) %}
{% set recomputed = 'false' if in_place is not none else years_recomputed() %}
{# Each source's presence flag and prefixed columns (read from the database when the model runs). #}
{% set source_columns = [] %}
{% for prefix, model in sources.items() %}
    {% do source_columns.append(prefix ~ '.code_commune is not null as a_' ~ prefix) %}
    {% do source_columns.extend(prefixed_columns(ref(model), prefix, keys)) %}
{% endfor %}

with

{% for prefix, model in sources.items() %}
    {{ prefix }} as (
        select * from {{ ref(model) }}
        where {{ recomputed }}
    ),
{% endfor %}

populations as (
    select * from {{ ref('stg_insee__populations_legales') }}
),

spine as (
    {% for prefix in sources %}
        select
            code_commune,
            annee
        from {{ prefix }}
        {% if not loop.last %}union{% endif %}
    {% endfor %}
),

population_reference_years as (
    select
        spine_years.annee,
        max(population_years.annee) as annee_population
    from (select distinct annee from spine) as spine_years
    inner join (select distinct annee from populations) as population_years
        on population_years.annee <= spine_years.annee
    group by spine_years.annee
),

final as (
    select
        spine.code_commune,
        {{ departement_of('spine.code_commune') }} as dep_code,
        spine.annee,
        populations.population_municipale as pop_legale,
        population_reference_years.annee_population as pop_legale_annee,
        populations.source_libelle as pop_legale__source_libelle,
        {{ source_columns | join(',\n        ') }}
    from spine
    left join population_reference_years
        on spine.annee = population_reference_years.annee
    left join populations
        on spine.code_commune = populations.code_commune
        and populations.annee = population_reference_years.annee_population
    {% for prefix in sources %}
        left join {{ prefix }}
            on spine.code_commune = {{ prefix }}.code_commune
            and spine.annee = {{ prefix }}.annee
    {% endfor %}
)

select * from final
{{ in_place_marker(in_place) }}
