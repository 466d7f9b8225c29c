{{ stg_caf_legacy('config_familiale', [
    'nb_allocataires', 'coup_0_enf', 'coup_1_enf', 'coup_2_enf', 'coup_3_enf', 'coup_4plus_enf',
    'homme_isole', 'femme_isolee', 'mono_1_enf', 'mono_2_enf', 'mono_3_enf', 'mono_4plus_enf'
]) }}
