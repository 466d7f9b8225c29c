{{ stg_caf_legacy('aeeh', staged_variables('stg_caf__aeeh')) }}
