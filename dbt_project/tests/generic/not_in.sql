{# No row holds one of the forbidden values (e.g. the special codes of CAF files). #}
{% test not_in(model, column_name, values) %}
    select *
    from {{ model }}
    where {{ column_name }} in ({% for v in values %}'{{ v }}'{% if not loop.last %}, {% endif %}{% endfor %})
{% endtest %}
