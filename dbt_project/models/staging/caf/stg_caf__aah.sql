{{ stg_caf_legacy('aah', staged_variables('stg_caf__aah')) }}
