{{ stg_caf_legacy('config_familiale', staged_variables('stg_caf__config_familiale')) }}
