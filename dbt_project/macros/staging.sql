{#
  The staging select of a CAF legacy theme: one row per commune and year, the variables as
  columns (NULL = masked), with the département and a source label. `renames` maps a raw
  variable to its staging column name.
#}
{% macro stg_caf_legacy(theme, variables, renames={}) %}
with pivoted as (
    {{ pivot_caf_legacy(theme, variables) }}
),

final as (
    select
        code_commune,
        {{ departement_of('code_commune') }} as dep_code,
        cast(annee as integer) as annee,
        libelle_commune,
        {% for variable in variables %}{{ variable }}{% if variable in renames %} as {{ renames[variable] }}{% endif %},
        {% endfor %}source_libelle
    from pivoted
)

select * from final
{% endmacro %}

{#
  Pivot a long raw table (one row per key and variable) to one column per variable.
#}
{% macro pivot_long(relation, keys, variables, value_column='valeur', where='true') %}
    select
        {{ keys | join(', ') }},
        {% for variable in variables %}
        max({{ value_column }}) filter (where variable = '{{ variable }}') as {{ variable }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from {{ relation }}
    where {{ where }}
    group by {{ keys | join(', ') }}
{% endmacro %}

{#
  The columns of a relation, prefixed (`rsa__nb_allocataire_rsa`), for the wide table of
  commune variables. Resolved when the model runs; empty at parse time.
#}
{% macro prefixed_columns(relation, prefix, exclude) %}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) if column.name not in exclude -%}
            {{ prefix }}.{{ column.name }} as {{ prefix }}__{{ column.name }},
        {% endfor -%}
    {%- endif -%}
{% endmacro %}
