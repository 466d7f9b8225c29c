{{ stg_caf_legacy('bas_revenu', ['all_bas_revenu', 'pers_bas_revenu', 'nb_pers_couv_ress', 'nb_allocataires_ress']) }}
