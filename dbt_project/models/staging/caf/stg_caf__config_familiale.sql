{% set variables = [
    'nb_allocataires', 'coup_0_enf', 'coup_1_enf', 'coup_2_enf', 'coup_3_enf', 'coup_4plus_enf',
    'homme_isole', 'femme_isolee', 'mono_1_enf', 'mono_2_enf', 'mono_3_enf', 'mono_4plus_enf'
] %}

with pivoted as (
    {{ pivot_caf_legacy('config_familiale', variables) }}
),

final as (
    select
        code_commune,
        {{ departement_of('code_commune') }} as dep_code,
        cast(annee as integer) as annee,
        libelle_commune,
        {% for variable in variables %}{{ variable }},
        {% endfor %}source_libelle
    from pivoted
)

select * from final
