{# ndur_s_qf_400_com_f: foyers and people by family quotient band. #}
{{ stg_caf_portail_by_dimension('ndur_s_qf_400_com_f', 'tranche_qf', staged_variables('stg_caf__portail_quotient_familial')) }}
