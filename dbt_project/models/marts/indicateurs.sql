{# Incremental by year and indicator (macros/incremental.sql); the variations read the 5 years
   before, of the same indicator. #}
{{ year_incremental_config(by_indicator=true) }}

with territoires as (
    select * from {{ ref('int_indicateurs__territoires') }}
    where {{ years_recomputed(back=5) }} and {{ indicators_recomputed_filter() }}
),

catalogue as (
    select * from {{ ref('indicateurs_catalogue') }}
),

-- Percentages and rates per 100 are × 100; plain ratios (indice jeunesse) are not.
valued as (
    select
        territoires.*,
        case
            when territoires.est_ratio
                then territoires.numerateur / nullif(territoires.denominateur, 0)
                    * case when catalogue.unite = 'ratio' then 1 else 100 end
            else territoires.numerateur
        end as valeur
    from territoires
    left join catalogue
        on territoires.indicateur_code = catalogue.indicateur_code
),

-- Variations against the same territory's figure 3 or 5 years earlier (relative, %) and the
-- year before (absolute, in the figure's unit: the AVS table's yearly change in structures).
-- Never across sources: a rounded portal count against an exact legacy one (or another
-- denominator) is not a trend, hence `priorite` in the partition. A year appears once in a
-- partition, so the figure of exactly N years earlier, when there is one, is one of the N rows
-- before: lag() over one sort of the national table finds it. No self-join (three hash joins),
-- and no RANGE frame (a segment tree each: 15 % more time nationally for the same rows).
earlier_rows as (
    select
        *,
        {% for back in range(1, 6) %}
            lag(annee, {{ back }}) over by_territory as annee_{{ back }}_lignes_avant,
            lag(valeur, {{ back }}) over by_territory as valeur_{{ back }}_lignes_avant{% if not loop.last %},{% endif %}
        {% endfor %}
    from valued
    window by_territory as (
        partition by indicateur_code, territoire_niveau, territoire_code, priorite
        order by annee
    )
),

earlier as (
    select
        *,
        {% for years in [5, 3, 1] %}
            case
                {% for back in range(1, years + 1) %}
                    when annee_{{ back }}_lignes_avant = annee - {{ years }} then valeur_{{ back }}_lignes_avant
                {% endfor %}
            end as valeur_{{ years }}_ans_avant{% if not loop.last %},{% endif %}
        {% endfor %}
    from earlier_rows
),

with_variation as (
    select
        *,
        {% for years, name in [(5, 'variation_5ans_pct'), (3, 'variation_3ans_pct')] %}
            case
                when valeur_{{ years }}_ans_avant <> 0
                    then 100.0 * (valeur - valeur_{{ years }}_ans_avant) / valeur_{{ years }}_ans_avant
            end as {{ name }},
        {% endfor %}
        valeur - valeur_1_ans_avant as variation_1an_nb
    from earlier
),

final as (
    select
        cast(indicateur_code as varchar) as indicateur_code,
        cast(territoire_niveau as varchar) as territoire_niveau,
        cast(territoire_code as varchar) as territoire_code,
        cast(territoire_libelle as varchar) as territoire_libelle,
        cast(annee as integer) as annee,
        cast(valeur as double) as valeur,
        cast(case when est_ratio then numerateur end as double) as numerateur,
        cast(case when est_ratio then denominateur end as double) as denominateur,
        cast(variation_5ans_pct as double) as variation_5ans_pct,
        cast(variation_3ans_pct as double) as variation_3ans_pct,
        cast(variation_1an_nb as double) as variation_1an_nb,
        cast(est_approximatif as boolean) as est_approximatif,
        cast(source as varchar) as source
    from with_variation
    where {{ years_recomputed() }}
)

select * from final
-- Written clustered by territory: a dashboard's queries (one territory, one level, one
-- indicator of a year) then read a few row groups that DuckDB's zone maps find, not all 14.5
-- million rows nationally (scripts/benchmark_readers.py: 25 to 38 queries a second on 2 cores,
-- whatever the readers, against 320 to 510 clustered), for a sort that costs the full build
-- about 8 s. An incremental run appends its rows clustered the same way.
order by territoire_niveau, territoire_code, indicateur_code, annee
