{{ stg_caf_legacy('paje', staged_variables('stg_caf__paje')) }}
