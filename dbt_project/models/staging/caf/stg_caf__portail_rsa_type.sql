{# rsa_s_type_com_f: foyers and people under RSA by type (majoré / non majoré). #}
{{ stg_caf_portail_by_dimension('rsa_s_type_com_f', 'rsa_type', staged_variables('stg_caf__portail_rsa_type')) }}
