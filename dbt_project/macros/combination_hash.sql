{# One value for a combination of columns: DuckDB's hash(); elsewhere an MD5 of their text. #}
{% macro combination_hash(columns) %}
    {{ return(adapter.dispatch('combination_hash')(columns)) }}
{% endmacro %}

{% macro default__combination_hash(columns) -%}
    md5(concat_ws('|', {% for column in columns %}coalesce(cast({{ column }} as varchar), '\0'){% if not loop.last %}, {% endif %}{% endfor %}))
{%- endmacro %}

{% macro duckdb__combination_hash(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}
