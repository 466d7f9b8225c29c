{#
  Views in one statement. dbt's default view materialization creates the view under a
  temporary name, renames the old one away, renames the new one in, commits and drops the old:
  five statements, each costing dbt's own Python far more than DuckDB (a staging view is a
  dbt node of about 150 ms). DuckDB replaces a view atomically, so `create or replace view`
  is the same result in one statement, through dbt's own `create_or_replace_view` (the
  materialization dbt uses on BigQuery and Snowflake: hooks and grants included), committed.
#}

{% materialization view, adapter='duckdb' %}
    {% set result = create_or_replace_view() %}
    {# dbt-duckdb opened a transaction for the statement: BigQuery and Snowflake need no commit. #}
    {% do adapter.commit() %}
    {{ return(result) }}
{% endmaterialization %}

{% macro duckdb__create_view_as(relation, sql) -%}
    {%- set contract_config = config.get('contract') -%}
    {%- if contract_config.enforced -%}
        {{ get_assert_columns_equivalent(sql) }}
    {%- endif -%}
    {%- set sql_header = config.get('sql_header', none) -%}
    {{ sql_header if sql_header is not none }}
    create or replace view {{ relation }} as (
        {{ sql }}
    );
{%- endmacro %}
