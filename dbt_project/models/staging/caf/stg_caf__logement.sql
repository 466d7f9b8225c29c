{{ stg_caf_legacy('logement', ['nb_allocataires', 'total_allocataires_logement', 'total_alf', 'total_als', 'total_apl']) }}
