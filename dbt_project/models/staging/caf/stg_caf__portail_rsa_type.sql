{# rsa_s_type_com_f: foyers and people under RSA by type (majoré / non majoré), latest month of each year. #}
with source as (
    select * from {{ source('raw', 'caf_portail') }}
    where jeu = 'rsa_s_type_com_f' and not est_special
),

latest_month as (
    select annee, max(mois) as mois from source group by annee
),

final as (
    select
        source.code_commune,
        {{ departement_of('source.code_commune') }} as dep_code,
        cast(source.annee as integer) as annee,
        source.dimension as rsa_type,
        max(source.valeur) filter (where source.variable = 'indfoy_rsa') as indfoy_rsa,
        max(source.valeur) filter (where source.variable = 'indnbp_rsa') as indnbp_rsa
    from source
    inner join latest_month
        on source.annee = latest_month.annee
        and source.mois = latest_month.mois
    group by source.code_commune, source.annee, source.dimension
)

select * from final
