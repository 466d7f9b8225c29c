with territoires as (
    select * from {{ ref('int_indicateurs__territoires') }}
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
-- denominator) is not a trend.
with_variation as (
    select
        current_year.*,
        {% for years, name in [(5, 'variation_5ans_pct'), (3, 'variation_3ans_pct')] %}
            case
                when
                    earlier_{{ years }}.valeur is not null and earlier_{{ years }}.valeur <> 0
                    then 100.0 * (current_year.valeur - earlier_{{ years }}.valeur) / earlier_{{ years }}.valeur
            end as {{ name }},
        {% endfor %}
        current_year.valeur - earlier_1.valeur as variation_1an_nb
    from valued as current_year
    {% for years in [5, 3, 1] %}
        left join valued as earlier_{{ years }}
            on current_year.indicateur_code = earlier_{{ years }}.indicateur_code
            and current_year.territoire_niveau = earlier_{{ years }}.territoire_niveau
            and current_year.territoire_code = earlier_{{ years }}.territoire_code
            and earlier_{{ years }}.annee = current_year.annee - {{ years }}
            and earlier_{{ years }}.priorite = current_year.priorite
    {% endfor %}
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
)

select * from final
