{# INSEE census population by age, one row per commune and census year (IRIS summed at ingestion). #}
{% set variables = ['pop', 'pop0002', 'pop0305', 'pop0610', 'pop1117', 'pop1824', 'pop0014', 'pop1529',
                    'pop3044', 'pop4559', 'pop6074', 'pop7589', 'pop90p', 'pop0019', 'pop60p', 'pop65p'] %}

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
