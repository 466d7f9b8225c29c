{#
  Models incremental by year (orchestration/incremental.py): a figure of a year depends only on
  inputs of that year and earlier ones. On an incremental run, `ctg refresh` has written the
  first year whose inputs changed into raw._recalcul_depuis: the model deletes that year and
  the later ones (pre-hook, in the transaction of the insert) and appends them again. Without
  that table (a `dbt build` by hand), every year is recomputed the same way. `--full-refresh`
  (every run but an incremental `ctg refresh`) rebuilds the table whole.
#}

{% macro year_incremental_config() %}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook="{{ delete_recomputed_years() }}"
    ) }}
{% endmacro %}

{#- The year `ctg refresh` wrote for this run's year-incremental models; none without one. -#}
{% macro recompute_year_written() %}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set written = adapter.get_relation(database=target.database, schema='raw', identifier='_recalcul_depuis') -%}
    {%- if written is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set year = run_query("select min(annee) from raw._recalcul_depuis").columns[0].values()[0] -%}
    {{ return(none if year is none else year | int) }}
{% endmacro %}

{#- The first year an incremental run recomputes (every year without a year written); none on
    a full build. -#}
{% macro recompute_since() %}
    {#- A unit test has no relation (`this`): a full build of its given rows. -#}
    {%- if not (execute and this is not none and is_incremental()) -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set year = recompute_year_written() -%}
    {{ return(0 if year is none else year) }}
{% endmacro %}

{#- A condition on `column`: the years an incremental run recomputes, and the `back` years
    before them that they read; true on a full build. -#}
{% macro years_recomputed(column='annee', back=0) %}
    {%- set since = recompute_since() -%}
    {%- if since is none -%}true{%- else -%}{{ column }} >= {{ since - back }}{%- endif -%}
{% endmacro %}

{% macro delete_recomputed_years() %}
    {%- set since = recompute_since() -%}
    {%- if since is not none -%}delete from {{ this }} where annee >= {{ since }}{%- endif -%}
{% endmacro %}

{#- In a data test of a year-incremental model: the years this run recomputed (true on a full
    build). A key holds its year, and the other years' rows passed when they were built. -#}
{% macro years_tested(column='annee') %}
    {%- set since = recompute_year_written() -%}
    {%- if since is none -%}true{%- else -%}{{ column }} >= {{ since }}{%- endif -%}
{% endmacro %}
