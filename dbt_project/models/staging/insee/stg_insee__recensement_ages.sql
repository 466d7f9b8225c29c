{# INSEE census population by age, one row per commune and census year (IRIS summed at ingestion). #}
{% set variables = staged_variables('stg_insee__recensement_ages') %}

with source as (
    select * from {{ source('raw', 'insee_recensement_ages') }}
),

pivoted as (
    {{ pivot_long('source', ['code_commune', 'annee'], variables) }}
),

final as (
    select
        code_commune,
        {{ departement_of('code_commune') }} as dep_code,
        cast(annee as integer) as annee,
        {% for variable in variables %}{{ variable }},
        {% endfor %}variables_presentes,
        'INSEE recensement ' || annee || ' (population par âge)' as source_libelle
    from pivoted
)

select * from final
