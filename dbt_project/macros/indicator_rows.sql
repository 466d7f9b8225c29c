{#
  One row per commune, year and indicator from a staging relation: the indicator's numerator
  and denominator are sums of parts (see sum_parts); est_approximatif is true when any part
  is masked.
#}
{% macro indicator_rows(relation, indicators) %}
    {% for indicator in indicators %}
    select
        '{{ indicator.code }}' as indicateur_code,
        code_commune,
        dep_code,
        annee,
        cast({{ sum_parts(indicator.num) }} as double) as numerateur,
        {% if indicator.den is defined %}
        cast({{ sum_parts(indicator.den) }} as double) as denominateur,
        true as est_ratio,
        {{ any_masked(indicator.num + indicator.den) }} as est_approximatif,
        {% else %}
        cast(null as double) as denominateur,
        false as est_ratio,
        {{ any_masked(indicator.num) }} as est_approximatif,
        {% endif %}
        source_libelle as source
    from {{ relation }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
{% endmacro %}
