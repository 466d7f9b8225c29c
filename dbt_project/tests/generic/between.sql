{# Values of a column lie within [min_value, max_value]; NULLs are accepted. #}
{% test between(model, column_name, min_value=none, max_value=none, where_clause=none) %}
    select *
    from {{ model }}
    where {{ column_name }} is not null
      {% if where_clause %}and ({{ where_clause }}){% endif %}
      and (
        {% if min_value is not none %}{{ column_name }} < {{ min_value }}{% else %}false{% endif %}
        or {% if max_value is not none %}{{ column_name }} > {{ max_value }}{% else %}false{% endif %}
      )
{% endtest %}
