-- A year present in one CAF legacy theme and missing from another is reported (warning),
-- never silently joined to nothing. Each row is a theme lacking a year that other themes have.
{{ config(severity='warn') }}

{# The CAF legacy themes joined in int_communes__variables, from the source registry. #}
{%- set registry = ctg_registry() -%}
{%- set themes = [] -%}
{%- for prefix, model in registry['commune_models'].items() if registry['models'][model]['source'] == 'caf_legacy' -%}
    {%- do themes.append(prefix) -%}
{%- endfor %}

with variables as (
    select * from {{ ref('int_communes__variables') }}
),

theme_years as (
    {% for theme in themes %}
        select distinct
            '{{ theme }}' as theme,
            annee
        from variables
        where a_{{ theme }}
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

themes as (
    select distinct theme from theme_years
),

years as (
    select distinct annee from theme_years
)

select
    themes.theme as theme_sans_annee,
    years.annee
from themes
cross join years
left join theme_years
    on themes.theme = theme_years.theme
    and years.annee = theme_years.annee
where theme_years.theme is null
