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

with_variation as (
    select
        current_year.*,
        case
            when previous_year.valeur is not null and previous_year.valeur <> 0
                then 100.0 * (current_year.valeur - previous_year.valeur) / previous_year.valeur
        end as variation_5ans_pct
    from valued as current_year
    left join valued as previous_year
        on current_year.indicateur_code = previous_year.indicateur_code
        and current_year.territoire_niveau = previous_year.territoire_niveau
        and current_year.territoire_code = previous_year.territoire_code
        and previous_year.annee = current_year.annee - 5
        -- Never across sources: a rounded portal count against an exact legacy one (or
        -- another denominator) is not a trend.
        and previous_year.priorite = current_year.priorite
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
        cast(est_approximatif as boolean) as est_approximatif,
        cast(source as varchar) as source
    from with_variation
)

select * from final
