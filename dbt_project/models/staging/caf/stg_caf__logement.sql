{{ stg_caf_legacy('logement', staged_variables('stg_caf__logement')) }}
