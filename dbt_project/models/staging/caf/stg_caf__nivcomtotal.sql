with pivoted as (
    {{ pivot_caf_legacy('nivcomtotal', ['nb_pers_par_foyer_alloc', 'nb_enfants']) }}
),

final as (
    select
        code_commune,
        {{ departement_of('code_commune') }} as dep_code,
        cast(annee as integer) as annee,
        libelle_commune,
        nb_pers_par_foyer_alloc as nb_personnes_couvertes,
        nb_enfants,
        source_libelle
    from pivoted
)

select * from final
