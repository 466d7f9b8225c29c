{#
  One theme of the raw table of CAF legacy files: one row per commune and year (a year of a
  theme is one file, whose communes the ingest step checks are listed once). `variables` are
  all the theme's variables, in order: the raw table holds the first in v01, the second in v02
  (ingest/sources/caf_legacy.py, VALUE_COLUMNS). A masked cell (statistical secrecy) stays
  NULL; special rows (XXXXX, 99999, empty) are left out here and counted by the ingest step.
#}
{% macro pivot_caf_legacy(theme, variables) %}
    select
        code_commune,
        annee,
        libelle_commune,
        {% for variable in variables %}
        {{ "v%02d" | format(loop.index) }} as {{ variable }},
        {% endfor %}
        {{ variables_text("replace(variables_fichier, ',', '|')") }} as variables_presentes,
        'CAF ' || source_file || ' (31/12/' || annee || ')' as source_libelle
    from {{ source('raw', 'caf_legacy') }}
    where theme = '{{ theme }}' and not est_special
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
