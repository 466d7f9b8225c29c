{{ stg_caf_legacy('rsa', staged_variables('stg_caf__rsa')) }}
