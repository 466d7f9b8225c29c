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
        {% endfor %}
        -- The variables of the file (a NULL among them is masked; one not listed is absent).
        {% for _old in renames %}replace({% endfor %}variables_presentes{% for old, new in renames.items() %}, '|{{ old }}|', '|{{ new }}|'){% endfor %} as variables_presentes,
        source_libelle
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
        max({{ value_column }}) filter (where variable = '{{ variable }}') as {{ variable }},
        {% endfor %}
        {{ variables_text("string_agg(distinct variable, '|' order by variable)") }} as variables_presentes
    from {{ relation }}
    where {{ where }}
    group by {{ keys | join(', ') }}
{% endmacro %}

{#
  The columns of a relation, prefixed (`rsa.nb_allocataire_rsa as rsa__nb_allocataire_rsa`), for
  the wide table of commune variables: a list of select items. Resolved when the model runs;
  empty at parse time.
#}
{% macro prefixed_columns(relation, prefix, exclude) %}
    {%- set columns = [] -%}
    {%- if execute -%}
        {%- for column in adapter.get_columns_in_relation(relation) if column.name not in exclude -%}
            {%- do columns.append(prefix ~ '.' ~ column.name ~ ' as ' ~ prefix ~ '__' ~ column.name) -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return(columns) }}
{% endmacro %}

{#
  A current-portal data set broken down by one dimension (RSA type, family quotient band):
  one row per commune, year and dimension value, for the latest month of each year.
#}
{% macro stg_caf_portail_by_dimension(jeu, dimension_name, variables) %}
with source as (
    select * from {{ source('raw', 'caf_portail') }}
    where jeu = '{{ jeu }}' and not est_special
),

latest_month as (
    select annee, max(mois) as mois from source group by annee
),

final as (
    select
        source.code_commune,
        {{ departement_of('source.code_commune') }} as dep_code,
        cast(source.annee as integer) as annee,
        source.dimension as {{ dimension_name }},
        {% for variable in variables %}
        max(source.valeur) filter (where source.variable = '{{ variable }}') as {{ variable }}{% if not loop.last %},{% endif %}
        {% endfor %}
    from source
    inner join latest_month
        on source.annee = latest_month.annee
        and source.mois = latest_month.mois
    group by source.code_commune, source.annee, source.dimension
)

select * from final
{% endmacro %}
