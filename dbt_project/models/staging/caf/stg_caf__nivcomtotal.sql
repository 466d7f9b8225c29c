{{ stg_caf_legacy(
    'nivcomtotal',
    ['nb_pers_par_foyer_alloc', 'nb_enfants', 'nb_enfants_0_2_ans', 'nb_enfants_3_5_ans'],
    renames={'nb_pers_par_foyer_alloc': 'nb_personnes_couvertes'}
) }}
