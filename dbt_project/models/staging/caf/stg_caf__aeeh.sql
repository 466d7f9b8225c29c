{{ stg_caf_legacy('aeeh', ['nb_enfant_aeeh', 'aeeh_0a2', 'aeeh_3a5', 'aeeh_6a11', 'aeeh_12a15', 'aeeh_16a17', 'aeeh_18a20']) }}
