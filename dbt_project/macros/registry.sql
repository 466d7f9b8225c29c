{# generated from ingest/registry.py by `make dbt-registry`: do not edit #}
{% macro ctg_registry() %}
{% set registry_json %}
{
  "sources": {
    "insee_cog_communes": {
      "personal": false
    },
    "insee_epci_composition": {
      "personal": false
    },
    "caf_legacy": {
      "personal": false
    },
    "caf_portail": {
      "personal": false
    },
    "insee_populations_legales": {
      "personal": false
    },
    "caf_onape": {
      "personal": false
    },
    "insee_recensement_ages": {
      "personal": false
    },
    "insee_naissances": {
      "personal": false
    },
    "caf_partenaire": {
      "personal": false
    },
    "structures_inventaire": {
      "personal": false
    },
    "structures_activite": {
      "personal": false
    },
    "structures_financements": {
      "personal": false
    },
    "permis_louer": {
      "personal": true
    },
    "caf_allocations_logement": {
      "personal": true
    },
    "suivi_plan_action": {
      "personal": false
    }
  },
  "models": {
    "stg_caf__nivcomtotal": {
      "source": "caf_legacy",
      "variables": [
        "nb_pers_par_foyer_alloc",
        "nb_enfants",
        "nb_enfants_0_2_ans",
        "nb_enfants_3_5_ans"
      ],
      "prefix": "nivcom",
      "lists_variables": true
    },
    "stg_caf__config_familiale": {
      "source": "caf_legacy",
      "variables": [
        "nb_allocataires",
        "coup_0_enf",
        "coup_1_enf",
        "coup_2_enf",
        "coup_3_enf",
        "coup_4plus_enf",
        "homme_isole",
        "femme_isolee",
        "mono_1_enf",
        "mono_2_enf",
        "mono_3_enf",
        "mono_4plus_enf"
      ],
      "prefix": "config",
      "lists_variables": true
    },
    "stg_caf__tranche_age": {
      "source": "caf_legacy",
      "variables": [
        "nb_allocataires",
        "all0a19",
        "all20a24",
        "all25a29",
        "all30a39",
        "all40a49",
        "all50a54",
        "all55a59",
        "all60a64",
        "all65a69",
        "all70ax",
        "allagex",
        "all50a59",
        "all60ax"
      ],
      "prefix": null,
      "lists_variables": true
    },
    "stg_caf__enfant_age": {
      "source": "caf_legacy",
      "variables": [
        "nb_enfants_0_2_ans",
        "nb_enfants_3_5_ans",
        "nb_enfants_6_11_ans",
        "nb_enfants_12_15_ans",
        "nb_enfants_16_17_ans",
        "nb_enfants_18_19_ans",
        "nb_enfants_20_24_ans",
        "nb_enfants"
      ],
      "prefix": "enfage",
      "lists_variables": true
    },
    "stg_caf__rsa": {
      "source": "caf_legacy",
      "variables": [
        "nb_allocataires",
        "nb_allocataire_rsa",
        "dont_rsa_jeune",
        "rsa_socle_non_majore",
        "rsa_socle_majore",
        "rsa_activite"
      ],
      "prefix": "rsa",
      "lists_variables": true
    },
    "stg_caf__aah": {
      "source": "caf_legacy",
      "variables": [
        "nb_allocataires",
        "all_aah"
      ],
      "prefix": "aah",
      "lists_variables": true
    },
    "stg_caf__aeeh": {
      "source": "caf_legacy",
      "variables": [
        "nb_enfant_aeeh",
        "aeeh_0a2",
        "aeeh_3a5",
        "aeeh_6a11",
        "aeeh_12a15",
        "aeeh_16a17",
        "aeeh_18a20"
      ],
      "prefix": "aeeh",
      "lists_variables": true
    },
    "stg_caf__bas_revenu": {
      "source": "caf_legacy",
      "variables": [
        "all_bas_revenu",
        "nb_allocataires_ress",
        "pers_bas_revenu",
        "nb_pers_couv_ress"
      ],
      "prefix": "basrev",
      "lists_variables": true
    },
    "stg_caf__dependance": {
      "source": "caf_legacy",
      "variables": [
        "nb_allocataires",
        "tr50pfrb",
        "tr100pfrb"
      ],
      "prefix": "dependance",
      "lists_variables": true
    },
    "stg_caf__paje": {
      "source": "caf_legacy",
      "variables": [
        "nb_allocataires",
        "all_paje",
        "all_prim",
        "all_basep",
        "all_cmg",
        "all_cmg_asma",
        "all_cmg_dom",
        "all_cmg_a",
        "all_clca_colca"
      ],
      "prefix": "paje",
      "lists_variables": true
    },
    "stg_caf__logement": {
      "source": "caf_legacy",
      "variables": [
        "nb_allocataires",
        "total_allocataires_logement",
        "total_alf",
        "total_als",
        "total_apl"
      ],
      "prefix": null,
      "lists_variables": true
    },
    "stg_caf__portail_beneficiaires": {
      "source": "caf_portail",
      "variables": [
        "indfoy_ndur",
        "indnbp_ndur",
        "indfoy_rsa",
        "indmtt_rsa",
        "indfoy_ppa",
        "indmtt_ppa",
        "indfoy_aah",
        "indfoy_aeeh",
        "indfoy_af",
        "indfoy_cf",
        "indfoy_asf",
        "indfoy_ab",
        "indfoy_cmg",
        "indfoy_apl",
        "indfoy_als",
        "indfoy_alf",
        "indfoy_ndural",
        "indfoy_ndurpaje"
      ],
      "prefix": "portail",
      "lists_variables": false
    },
    "stg_caf__portail_rsa_type": {
      "source": "caf_portail",
      "variables": [
        "indfoy_rsa",
        "indnbp_rsa"
      ],
      "prefix": null,
      "lists_variables": false
    },
    "stg_caf__portail_quotient_familial": {
      "source": "caf_portail",
      "variables": [
        "indfoy_ndur",
        "indnbp_ndur"
      ],
      "prefix": null,
      "lists_variables": false
    },
    "stg_insee__populations_legales": {
      "source": "insee_populations_legales",
      "variables": [],
      "prefix": null,
      "lists_variables": false
    },
    "stg_insee__recensement_ages": {
      "source": "insee_recensement_ages",
      "variables": [
        "pop",
        "pop0002",
        "pop0305",
        "pop0610",
        "pop1117",
        "pop1824",
        "pop0014",
        "pop1529",
        "pop3044",
        "pop4559",
        "pop6074",
        "pop7589",
        "pop90p",
        "pop0019",
        "pop60p",
        "pop65p"
      ],
      "prefix": "recensement",
      "lists_variables": true
    },
    "stg_insee__naissances": {
      "source": "insee_naissances",
      "variables": [],
      "prefix": "naissances",
      "lists_variables": false
    },
    "stg_caf__partenaire": {
      "source": "caf_partenaire",
      "variables": [
        "am_actives",
        "am_actives_55_plus",
        "am_actives_au_moins_un_mois",
        "familles_employeur_am",
        "enfants_moins6_gardes_am",
        "heures_remunerees_am",
        "salaires_nets_am",
        "am_remunerees",
        "enfants_moins3_parents_actifs",
        "enfants_moins3_cmg",
        "enfants_moins3_besoin_garde",
        "enfants_moins3_complement_activite",
        "beneficiaires_ppa",
        "allocataires_fragiles",
        "familles_afi",
        "allocataires_msa",
        "personnes_couvertes_msa"
      ],
      "prefix": "partenaire",
      "lists_variables": true
    },
    "stg_permis__dossiers": {
      "source": "permis_louer",
      "variables": [],
      "prefix": null,
      "lists_variables": false
    },
    "stg_caf__allocations_logement_adresses": {
      "source": "caf_allocations_logement",
      "variables": [],
      "prefix": null,
      "lists_variables": false
    }
  },
  "commune_models": {
    "nivcom": "stg_caf__nivcomtotal",
    "config": "stg_caf__config_familiale",
    "enfage": "stg_caf__enfant_age",
    "rsa": "stg_caf__rsa",
    "aah": "stg_caf__aah",
    "aeeh": "stg_caf__aeeh",
    "basrev": "stg_caf__bas_revenu",
    "dependance": "stg_caf__dependance",
    "paje": "stg_caf__paje",
    "portail": "stg_caf__portail_beneficiaires",
    "recensement": "stg_insee__recensement_ages",
    "naissances": "stg_insee__naissances",
    "partenaire": "stg_caf__partenaire"
  },
  "prefixes_with_variable_lists": [
    "nivcom",
    "config",
    "enfage",
    "rsa",
    "aah",
    "aeeh",
    "basrev",
    "dependance",
    "paje",
    "recensement",
    "partenaire"
  ]
}
{% endset %}
    {{ return(fromjson(registry_json)) }}
{% endmacro %}

{# The variables a staging model pivots out of its long raw table. #}
{% macro staged_variables(model_name) %}
    {{ return(ctg_registry()['models'][model_name]['variables']) }}
{% endmacro %}
