{{ stg_caf_legacy('bas_revenu', staged_variables('stg_caf__bas_revenu')) }}
