{{ stg_caf_legacy('dependance', ['nb_allocataires', 'tr50pfrb', 'tr100pfrb']) }}
