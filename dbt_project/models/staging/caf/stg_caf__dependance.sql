{{ stg_caf_legacy('dependance', staged_variables('stg_caf__dependance')) }}
