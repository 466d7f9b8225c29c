{#
  Models incremental by year (orchestration/incremental.py): a figure of a year depends only on
  inputs of that year and earlier ones. On an incremental run, `ctg refresh` has written the
  first year whose inputs changed into raw._recalcul_depuis: the model deletes that year and
  the later ones (pre-hook, in the transaction of the insert) and appends them again. Without
  that table (a `dbt build` by hand), every year is recomputed the same way. `--full-refresh`
  (every run but an incremental `ctg refresh`) rebuilds the table whole.

  The two models keyed by indicator are incremental by indicator too: when the changed rows
  are of some prefixes of int_communes__variables only (a corrected NIVCOMTOTAL file: `nivcom`),
  `ctg refresh` writes those prefixes next to the year, and the models delete and append only
  the indicators those prefixes feed (`indicators_recomputed`).
#}

{% macro year_incremental_config(by_indicator=false, pre_hook=none) %}
    {{ config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
        pre_hook=pre_hook or "{{ delete_recomputed_years(" ~ by_indicator ~ ") }}"
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

{% macro delete_recomputed_years(by_indicator=false) %}
    {%- set since = recompute_since() -%}
    {%- if since is not none -%}
        delete from {{ this }} where annee >= {{ since }}
        {%- if by_indicator %} and {{ indicators_recomputed_filter() }}{% endif -%}
    {%- endif -%}
{% endmacro %}

{#- The prefixes of int_communes__variables whose rows changed, as `ctg refresh` wrote them
    (JSON); none when it wrote none (every indicator). -#}
{% macro recompute_prefixes_written() %}
    {%- if recompute_year_written() is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set written = run_query("select min(prefixes) from raw._recalcul_depuis").columns[0].values()[0] -%}
    {{ return(none if written is none else fromjson(written)) }}
{% endmacro %}

{#- The indicator codes a run recomputes: those the changed prefixes feed (and the antenne
    shares of those); none for every indicator (a full build, or no prefixes written).
    `written`: the prefixes `ctg refresh` wrote, outside a model's incremental context (a data
    test, an ephemeral model). -#}
{% macro indicators_recomputed(written=false) %}
    {%- set prefixes = none if not written and recompute_since() is none else recompute_prefixes_written() -%}
    {%- if prefixes is none -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set codes = [] -%}
    {%- for code, fed_by in commune_indicator_inputs().items() -%}
        {%- if fed_by | select('in', prefixes) | list -%}
            {%- do codes.append(code) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- for share, base in antenne_shares() -%}
        {%- if base in codes -%}
            {%- do codes.append(share) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(codes) }}
{% endmacro %}

{#- A condition on `column`: the indicators a run recomputes (true for every one). -#}
{% macro indicators_recomputed_filter(column='indicateur_code', written=false) %}
    {%- set codes = indicators_recomputed(written) -%}
    {%- if codes is none -%}true
    {%- elif not codes -%}false
    {%- else -%}{{ column }} in ('{{ codes | join("', '") }}')
    {%- endif -%}
{% endmacro %}

{#- In an ephemeral model that a year-incremental one reads (int_indicateurs__territoires, in
    marts.indicateurs): the rows that run recomputes, and the `back` years before them; true on
    a full build. Compiled in its own context, where is_incremental() is false: the year and
    prefixes `ctg refresh` wrote tell, unless dbt runs with --full-refresh (a whole rebuild,
    which every run but an incremental `ctg refresh` is). -#}
{% macro rows_recomputed_by_reader(column='annee', back=0) %}
    {%- set since = recompute_year_written() -%}
    {%- if since is none or flags.FULL_REFRESH -%}true
    {%- else -%}{{ column }} >= {{ since - back }} and {{ indicators_recomputed_filter(written=true) }}
    {%- endif -%}
{% endmacro %}

{#- In a data test of a year-incremental model: the years (and, with `indicator_column`, the
    indicators) this run recomputed; true on a full build. A key holds its year and indicator,
    and the other rows passed when they were built. -#}
{% macro years_tested(column='annee', indicator_column=none) %}
    {%- set since = recompute_year_written() -%}
    {%- if since is none -%}true
    {%- else -%}{{ column }} >= {{ since }}
        {%- if indicator_column %} and {{ indicators_recomputed_filter(indicator_column, written=true) }}{% endif -%}
    {%- endif -%}
{% endmacro %}

{#
  int_communes__variables when only some prefixes' rows changed (a corrected NIVCOMTOTAL file:
  `nivcom`) and each of them has the same communes and years as before: its other columns are
  as they were, so the model updates those prefixes' columns in place (its pre-hook) and its
  select adds no row. Nationally, a year of 35,000 communes and 140 columns is no longer deleted
  and appended (about 2 s, and a 146 MB write-ahead log to checkpoint), only some columns of
  it updated (0.6 s). `sources`: prefix → staging model. Returns those prefixes; none otherwise
  (the years are deleted and appended whole).
#}
{% macro variables_updated_in_place(sources) %}
    {%- set since = recompute_since() -%}
    {%- set prefixes = recompute_prefixes_written() if since else none -%}
    {%- if not prefixes or prefixes | reject('in', sources) | list -%}
        {{ return(none) }}
    {%- endif -%}
    {%- for prefix in prefixes -%}
        {%- set keys_differ -%}
            with now as (
                select code_commune, annee from {{ ref(sources[prefix]) }} where annee >= {{ since }}
            ),

            before as (
                select code_commune, annee from {{ this }} where annee >= {{ since }} and a_{{ prefix }}
            )

            select count(*) from (
                (select * from now except select * from before)
                union all
                (select * from before except select * from now)
            ) as differences
        {%- endset -%}
        {%- if run_query(keys_differ).columns[0].values()[0] != 0 -%}
            {{ return(none) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(prefixes) }}
{% endmacro %}

{#- What int_communes__variables decided when it was compiled, for its pre-hook: the same
    decision (its select adds no row exactly when the hook updates in place), without the
    queries of variables_updated_in_place a second time (0.1 to 0.2 s nationally). -#}
{% macro in_place_marker(in_place) -%}
    {%- if in_place is not none %}-- ctg-en-place: {{ in_place | join(',') }}{% endif -%}
{%- endmacro %}

{#- The pre-hook of int_communes__variables: the changed prefixes' columns updated in place
    (variables_updated_in_place), or the recomputed years deleted. -#}
{% macro update_or_delete_recomputed_variables(keys) %}
    {%- set sources = ctg_registry()['commune_models'] -%}
    {%- set marker = modules.re.search('-- ctg-en-place: ([a-z0-9_,]+)', model.get('compiled_code') or '') -%}
    {%- set in_place = marker.group(1).split(',') if marker else none -%}
    {%- if in_place is none -%}
        {{ delete_recomputed_years() }}
    {%- else -%}
        {%- for prefix in in_place -%}
            {%- set columns = adapter.get_columns_in_relation(ref(sources[prefix])) | map(attribute='name')
                              | reject('in', keys) | list %}
            update {{ this }} as target
            set
                a_{{ prefix }} = true,
                {% for column in columns %}{{ prefix }}__{{ column }} = source.{{ column }}{% if not loop.last %},
                {% endif %}{% endfor %}
            from (select * from {{ ref(sources[prefix]) }} where annee >= {{ recompute_since() }}) as source
            where target.code_commune = source.code_commune and target.annee = source.annee;
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
