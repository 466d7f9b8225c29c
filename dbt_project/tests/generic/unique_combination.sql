{#
  The combination of columns is a key of the model (dbt_utils is unavailable offline): no row
  leaves one of them NULL, and no two rows share it. One test instead of a not_null test per
  column and a uniqueness test: each test is a dbt node, about 0.1 s of dbt's own work even on
  a few rows. A failing row is a repeated combination (n > 1) or one with a NULL (n = 1).
  `nullable_columns`: the columns of the combination where NULL is a value (a structure's
  activity for residents of no known commune; a funding of a commune, not of a structure).
  `by_hash=true`, for tables of millions of rows: the rows are first grouped by one 64-bit hash
  of the combination (about half the time of grouping by several strings: 2.5 s instead of
  4.5 s on the 14 million rows of a national marts.indicateurs), then only the rows whose hash
  repeats are grouped by the columns themselves, so a hash collision never fails the test.
  Not for a view: it would be computed twice.
  `by_year=true`, for a year-incremental model (macros/incremental.sql) whose combination
  holds its year: an incremental run tests the years it recomputed (and the indicators, when
  the combination holds `indicateur_code`).
#}
{% test unique_combination(model, combination_of_columns, by_hash=false, nullable_columns=[], by_year=false) %}
    {% if by_year %}
        {% set indicator_column = 'indicateur_code' if 'indicateur_code' in combination_of_columns else none %}
        {% set model %}(select * from {{ model }} where {{ years_tested(indicator_column=indicator_column) }}){% endset %}
    {% endif %}
    {% set columns = combination_of_columns | join(', ') %}
    {% set some_column_is_null %}
        ({% for column in combination_of_columns if column not in nullable_columns %}{{ column }} is null or {% endfor %}false)
    {% endset %}
    {% if by_hash %}
        with repeated_hashes as (
            select {{ combination_hash(combination_of_columns) }} as combination_hash
            from {{ model }}
            group by 1
            having count(*) > 1
        )

        select {{ columns }}, count(*) as n
        from {{ model }}
        where
            {{ combination_hash(combination_of_columns) }} in (select combination_hash from repeated_hashes)
            or {{ some_column_is_null }}
        group by {{ columns }}
        having count(*) > 1 or {{ some_column_is_null }}
    {% else %}
        select {{ columns }}, count(*) as n
        from {{ model }}
        group by {{ columns }}
        having count(*) > 1 or {{ some_column_is_null }}
    {% endif %}
{% endtest %}
