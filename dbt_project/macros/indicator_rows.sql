{#
  One row per commune, year and indicator from the wide table of commune variables.
  Each indicator is a dict:
    code      indicator code (seeds/indicateurs_catalogue.csv)
    num       columns summed into the numerator (sum_parts: NULL only when all are masked)
    den       columns summed into the denominator, for ratios
    requires  sources that must have the commune that year ('pop' = a population year exists)
    priorite  1 for legacy files, 2 for the current portal (used only for years legacy lacks)
    rounded   true for current-portal counts, rounded to 5: always approximate
  est_approximatif is true when any part is masked (or rounded).
#}
{#
  True when the file behind `column` (`rsa__nb_allocataire_rsa`) has that variable for the
  row's commune and year, even masked. Sources that never mask (portal, births,
  populations) have it when it is not NULL. Which prefixes list their variables comes from the
  source registry (macros/registry.sql).
#}
{% macro variable_present(column, relation_alias=none) -%}
    {%- set parts = column.split('__', 1) -%}
    {%- set qualifier = relation_alias ~ '.' if relation_alias else '' -%}
    {%- if parts | length == 2 and parts[0] in ctg_registry()['prefixes_with_variable_lists'] -%}
        {{ variable_listed(qualifier ~ parts[0] ~ '__variables_presentes', parts[1]) }}
    {%- else -%}
        ({{ qualifier }}{{ column }} is not null)
    {%- endif -%}
{%- endmacro %}

{#
  The variables of a file (`variables_presentes`) are one text, `|nb_allocataires|nb_enfants|`,
  not a list: the same text on every row of a file, which DuckDB stores once, where lists of
  every commune's row cost int_communes__variables 1 to 2 s of its 4 to 5 nationally.
#}
{% macro variables_text(joined) -%}
    '|' || {{ joined }} || '|'
{%- endmacro %}

{# True when the variables text `variables_column` lists `variable` (false when NULL). #}
{% macro variable_listed(variables_column, variable) -%}
    coalesce(position('|{{ variable }}|' in {{ variables_column }}) > 0, false)
{%- endmacro %}

{% macro any_present(columns) -%}
    ({% for c in columns %}{{ variable_present(c) }}{% if not loop.last %} or {% endif %}{% endfor %})
{%- endmacro %}

{% macro indicator_rows(relation, indicators) %}
    {% for indicator in indicators %}
    {% set requires = indicator.requires %}
    select
        '{{ indicator.code }}' as indicateur_code,
        code_commune,
        dep_code,
        annee,
        cast({{ sum_parts(indicator.num) }} as double) as numerateur,
        {% if indicator.den is defined %}
        cast({{ sum_parts(indicator.den) }} as double) as denominateur,
        true as est_ratio,
        {{ any_masked(indicator.num + indicator.den) }}{% if indicator.rounded %} or true{% endif %} as est_approximatif,
        {% else %}
        cast(null as double) as denominateur,
        false as est_ratio,
        {{ any_masked(indicator.num) }}{% if indicator.rounded %} or true{% endif %} as est_approximatif,
        {% endif %}
        {{ any_present(indicator.num) }} as numerateur_present,
        {% if indicator.den is defined %}{{ any_present(indicator.den) }}{% else %}true{% endif %} as denominateur_present,
        concat_ws(' ; ', {% for prefix in requires %}{{ 'pop_legale' if prefix == 'pop' else prefix }}__source_libelle{% if not loop.last %}, {% endif %}{% endfor %}) as source,
        {{ indicator.priorite | default(1) }} as priorite
    from {{ relation }}
    where {% for prefix in requires %}{% if prefix == 'pop' %}pop_legale_annee is not null{% else %}a_{{ prefix }}{% endif %}{% if not loop.last %} and {% endif %}{% endfor %}
    {% if indicator.rounded %}and {{ sum_parts(indicator.num) }} is not null{% endif %}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
{% endmacro %}
