{#
  The few functions with no standard SQL spelling, each behind a macro that dbt dispatches by
  adapter (`adapter.dispatch`): DuckDB's spelling is the default, and an engine that spells it
  otherwise gets its own (`postgres__value_at_max`…) without a change to the models. Where
  standard SQL has a spelling, the models use it directly (`extract(year from …)`,
  `percentile_cont(0.5) within group (order by …)`, explicit GROUP BY columns, a VALUES list).
  Left as they are, shared by DuckDB and PostgreSQL 16 but not by every engine (README, "Beyond
  one machine"): `any_value`, `make_date`, the `filter (where …)` of aggregates, `::` casts,
  `string_agg`. tests/unit/test_sql_portability.py keeps DuckDB's other spellings out.
#}

{# The value of `value` on the row where `order_by` is the largest (the smallest). #}
{% macro value_at_max(value, order_by) %}{{ return(adapter.dispatch('value_at_max', 'ctg')(value, order_by)) }}{% endmacro %}
{% macro default__value_at_max(value, order_by) %}arg_max({{ value }}, {{ order_by }}){% endmacro %}
{% macro postgres__value_at_max(value, order_by) %}(array_agg({{ value }} order by {{ order_by }} desc))[1]{% endmacro %}

{% macro value_at_min(value, order_by) %}{{ return(adapter.dispatch('value_at_min', 'ctg')(value, order_by)) }}{% endmacro %}
{% macro default__value_at_min(value, order_by) %}arg_min({{ value }}, {{ order_by }}){% endmacro %}
{% macro postgres__value_at_min(value, order_by) %}(array_agg({{ value }} order by {{ order_by }}))[1]{% endmacro %}

{# A list of values, aggregated in the given order. #}
{% macro list_of(value, order_by) %}{{ return(adapter.dispatch('list_of', 'ctg')(value, order_by)) }}{% endmacro %}
{% macro default__list_of(value, order_by) %}list({{ value }} order by {{ order_by }}){% endmacro %}
{% macro postgres__list_of(value, order_by) %}array_agg({{ value }} order by {{ order_by }}){% endmacro %}

{# True when the list `list_column` holds `value`. #}
{% macro list_has(list_column, value) %}{{ return(adapter.dispatch('list_has', 'ctg')(list_column, value)) }}{% endmacro %}
{% macro default__list_has(list_column, value) %}list_contains({{ list_column }}, {{ value }}){% endmacro %}
{% macro postgres__list_has(list_column, value) %}({{ value }} = any({{ list_column }})){% endmacro %}

{# The number of elements of a list. #}
{% macro list_size(list_column) %}{{ return(adapter.dispatch('list_size', 'ctg')(list_column)) }}{% endmacro %}
{% macro default__list_size(list_column) %}len({{ list_column }}){% endmacro %}
{% macro postgres__list_size(list_column) %}cardinality({{ list_column }}){% endmacro %}

{# A text split at each `separator` into a list. #}
{% macro split_to_list(text, separator) %}{{ return(adapter.dispatch('split_to_list', 'ctg')(text, separator)) }}{% endmacro %}
{% macro default__split_to_list(text, separator) %}string_split({{ text }}, {{ separator }}){% endmacro %}
{% macro postgres__split_to_list(text, separator) %}string_to_array({{ text }}, {{ separator }}){% endmacro %}

{# A date as French readers write it: 31/12/2024. #}
{% macro date_fr(date) %}{{ return(adapter.dispatch('date_fr', 'ctg')(date)) }}{% endmacro %}
{% macro default__date_fr(date) %}strftime({{ date }}, '%d/%m/%Y'){% endmacro %}
{% macro postgres__date_fr(date) %}to_char({{ date }}, 'DD/MM/YYYY'){% endmacro %}

{# One row per year from `first` to `last` (a set-returning select item): `… as annee`. #}
{% macro years_from_to(first, last) %}{{ return(adapter.dispatch('years_from_to', 'ctg')(first, last)) }}{% endmacro %}
{% macro default__years_from_to(first, last) %}cast(unnest(generate_series({{ first }}, {{ last }})) as integer){% endmacro %}
{% macro postgres__years_from_to(first, last) %}cast(generate_series({{ first }}, {{ last }}) as integer){% endmacro %}
