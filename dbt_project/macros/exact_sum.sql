{#
  A sum of doubles that does not depend on the order rows arrive in: each value rounded to
  `scale` decimals as a DECIMAL, summed exactly, returned as a double. A plain SUM of doubles
  differs in its last bits from one run to the next (parallel aggregation), and the same
  inputs must publish the same figures (a rerun, a rebuild from the archive).
  Standard SQL (DECIMAL): portable to other engines. `as_double=false` keeps the DECIMAL, for
  a partial sum summed again (exact sums add up).
#}
{% macro exact_sum(expression, scale=9, where=none, as_double=true) -%}
    {%- if as_double %}cast({% endif -%}
    sum(cast({{ expression }} as decimal(38, {{ scale }})))
        {%- if where %} filter (where {{ where }}){% endif %}
    {%- if as_double %} as double){% endif %}
{%- endmacro %}
