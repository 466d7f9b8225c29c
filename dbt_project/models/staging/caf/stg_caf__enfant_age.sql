{{ stg_caf_legacy('enfant_age', staged_variables('stg_caf__enfant_age')) }}
