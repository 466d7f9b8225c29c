{{ stg_caf_legacy('rsa', ['nb_allocataires', 'nb_allocataire_rsa', 'dont_rsa_jeune', 'rsa_socle_non_majore', 'rsa_socle_majore', 'rsa_activite']) }}
