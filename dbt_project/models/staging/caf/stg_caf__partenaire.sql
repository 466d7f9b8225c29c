{% set variables = staged_variables('stg_caf__partenaire') %}

with source as (
    select * from {{ source('raw', 'caf_partenaire') }}
),

pivoted as (
    {{ pivot_long('source', ['code_commune', 'annee'], variables, where='not est_special') }}
),

files as (
    select
        annee,
        string_agg(distinct source_file, ', ' order by source_file) as fichiers
    from source
    group by annee
),

final as (
    select
        pivoted.code_commune,
        {{ departement_of('pivoted.code_commune') }} as dep_code,
        cast(pivoted.annee as integer) as annee,
        {% for variable in variables %}pivoted.{{ variable }},
        {% endfor %}pivoted.variables_presentes,
        'CAF extrait partenaire ' || files.fichiers || ' (' || pivoted.annee || ')' as source_libelle
    from pivoted
    inner join files on pivoted.annee = files.annee
)

select * from final
