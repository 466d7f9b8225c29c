{#
  Pivot one theme of the long raw table of CAF legacy files back to one row per commune and
  year. A masked cell (statistical secrecy) stays NULL; special rows (XXXXX, 99999, empty) are
  left out here and counted by the ingest step.
#}
{% macro pivot_caf_legacy(theme, variables) %}
    select
        communes.*,
        files.variables_presentes,
        files.source_libelle
    from (
        select
            code_commune,
            annee,
            any_value(libelle_commune) as libelle_commune,
            {% for variable in variables %}
            max(valeur) filter (where variable = '{{ variable }}') as {{ variable }}{% if not loop.last %},{% endif %}
            {% endfor %}
        from {{ source('raw', 'caf_legacy') }}
        where theme = '{{ theme }}' and not est_special
        group by code_commune, annee
    ) as communes
    -- A year of a theme is one file, whose rows list the same variables for every commune:
    -- listed once per file, not once per commune (a list per group was 80 % of the pivot).
    inner join (
        select
            annee,
            list(distinct variable) as variables_presentes,
            'CAF ' || any_value(source_file) || ' (31/12/' || annee || ')' as source_libelle
        from {{ source('raw', 'caf_legacy') }}
        where theme = '{{ theme }}' and not est_special
        group by annee
    ) as files
        on communes.annee = files.annee
{% endmacro %}

{# Sum of parts that may be masked: NULL only when every part is masked. #}
{% macro sum_parts(columns) -%}
    case when {% for c in columns %}{{ c }} is null{% if not loop.last %} and {% endif %}{% endfor %}
        then null
        else {% for c in columns %}coalesce({{ c }}, 0){% if not loop.last %} + {% endif %}{% endfor %}
    end
{%- endmacro %}

{# True when any part is masked: the figure built on them is approximate. #}
{% macro any_masked(columns) -%}
    ({% for c in columns %}{{ c }} is null{% if not loop.last %} or {% endif %}{% endfor %})
{%- endmacro %}

{# Département of a commune code: 3 characters overseas (97x), 2 elsewhere (including 2A/2B). #}
{% macro departement_of(code) -%}
    case when {{ code }} like '97%' then left({{ code }}, 3) else left({{ code }}, 2) end
{%- endmacro %}
