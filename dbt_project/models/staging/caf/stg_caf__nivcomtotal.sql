{{ stg_caf_legacy('nivcomtotal', staged_variables('stg_caf__nivcomtotal'),
    renames={'nb_pers_par_foyer_alloc': 'nb_personnes_couvertes'}) }}
