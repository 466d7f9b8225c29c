{# Every value is a multiple of `factor` (the CAF rounds current-portal counts to 5). #}
{% test multiple_of(model, column_name, factor) %}
    select *
    from {{ model }}
    where {{ column_name }} is not null
      and {{ column_name }} % {{ factor }} <> 0
{% endtest %}
