{{ stg_caf_legacy('aah', ['nb_allocataires', 'all_aah']) }}
