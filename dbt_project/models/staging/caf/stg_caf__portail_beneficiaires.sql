{#
  s_ben_com_f, one row per commune and year: the latest month published for the year
  (December; foyers of December N are in the geography of January N+1). Counts are rounded
  to 5 by the CAF.
#}
{% set variables = staged_variables('stg_caf__portail_beneficiaires') %}

with source as (
    select * from {{ source('raw', 'caf_portail') }}
    where jeu = 's_ben_com_f' and not est_special
),

latest_month as (
    select
        annee,
        max(mois) as mois,
        any_value(source_file) as source_file
    from source
    group by annee
),

pivoted as (
    {{ pivot_long('source', ['code_commune', 'annee', 'mois'], variables) }}
),

final as (
    select
        pivoted.code_commune,
        {{ departement_of('pivoted.code_commune') }} as dep_code,
        cast(pivoted.annee as integer) as annee,
        cast(pivoted.mois as integer) as mois,
        {% for variable in variables %}pivoted.{{ variable }},
        {% endfor %}'CAF ' || latest_month.source_file || ' (' || pivoted.annee || '-'
        || lpad(cast(pivoted.mois as varchar), 2, '0') || ', arrondi à 5)' as source_libelle
    from pivoted
    inner join latest_month
        on pivoted.annee = latest_month.annee
        and pivoted.mois = latest_month.mois
)

select * from final
