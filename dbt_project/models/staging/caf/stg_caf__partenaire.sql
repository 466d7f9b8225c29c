{% set variables = [
    'am_actives', 'am_actives_55_plus', 'am_actives_au_moins_un_mois', 'familles_employeur_am',
    'enfants_moins3_parents_actifs', 'enfants_moins3_cmg', 'enfants_moins3_besoin_garde',
    'allocataires_fragiles', 'familles_afi', 'allocataires_msa', 'personnes_couvertes_msa'
] %}

with source as (
    select * from {{ source('raw', 'caf_partenaire') }}
),

pivoted as (
    {{ pivot_long('source', ['code_commune', 'annee'], variables, where='not est_special') }}
),

files as (
    select annee, string_agg(distinct source_file, ', ' order by source_file) as fichiers
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
