{#
  The column is a key of the model: no row leaves it NULL, no two rows share it. One test (one
  dbt node, about 0.1 s of dbt's own work) instead of `not_null` and `unique`.
#}
{% test key(model, column_name) %}
    {{ test_unique_combination(model, [column_name]) }}
{% endtest %}
