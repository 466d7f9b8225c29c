{{ stg_caf_legacy('paje', ['nb_allocataires', 'all_paje', 'all_prim', 'all_basep', 'all_cmg', 'all_cmg_asma', 'all_cmg_dom', 'all_cmg_a', 'all_clca_colca']) }}
