{# ndur_s_qf_400_com_f: foyers and people by family quotient band, latest month of each year. #}
with source as (
    select * from {{ source('raw', 'caf_portail') }}
    where jeu = 'ndur_s_qf_400_com_f' and not est_special
),

latest_month as (
    select annee, max(mois) as mois from source group by annee
),

final as (
    select
        source.code_commune,
        {{ departement_of('source.code_commune') }} as dep_code,
        cast(source.annee as integer) as annee,
        source.dimension as tranche_qf,
        max(source.valeur) filter (where source.variable = 'indfoy_ndur') as indfoy_ndur,
        max(source.valeur) filter (where source.variable = 'indnbp_ndur') as indnbp_ndur
    from source
    inner join latest_month
        on source.annee = latest_month.annee
        and source.mois = latest_month.mois
    group by source.code_commune, source.annee, source.dimension
)

select * from final
