{#
  A sum of doubles that does not depend on the order rows arrive in: each value rounded to
  `scale` decimals as a DECIMAL, summed exactly, returned as a double. A plain SUM of doubles
  differs in its last bits from one run to the next (parallel aggregation), and the same
  inputs must publish the same figures (a rerun, a rebuild from the archive).
  Standard SQL (DECIMAL): portable to other engines.
#}
{% macro exact_sum(expression, scale=9, where=none) -%}
    cast(sum(cast({{ expression }} as decimal(38, {{ scale }})))
        {%- if where %} filter (where {{ where }}){% endif %} as double)
{%- endmacro %}
