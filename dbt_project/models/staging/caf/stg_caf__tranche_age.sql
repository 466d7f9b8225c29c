{{ stg_caf_legacy('tranche_age', staged_variables('stg_caf__tranche_age')) }}
