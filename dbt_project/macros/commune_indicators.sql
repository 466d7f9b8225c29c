{#
  The commune-level indicators of int_indicateurs__communes built from the wide table of
  commune variables (int_communes__variables), in the shape `indicator_rows` reads (see
  macros/indicator_rows.sql). A macro, so that the year-incremental models can tell which
  indicators a change of some sources touches (macros/incremental.sql).
#}

{% macro commune_indicators() %}
    {% set couples_avec_enfants = ['config__coup_1_enf', 'config__coup_2_enf', 'config__coup_3_enf', 'config__coup_4plus_enf'] %}
    {% set monoparents = ['config__mono_1_enf', 'config__mono_2_enf', 'config__mono_3_enf', 'config__mono_4plus_enf'] %}
    {% set familles = couples_avec_enfants + monoparents %}
    {% set isoles = ['config__homme_isole', 'config__femme_isolee'] %}
    {% set allocataires = ['config__nb_allocataires'] %}
    {% set moins_3 = ['enfage__nb_enfants_0_2_ans'] %}

    {% set indicators = [
        {'code': 'nb_allocataires', 'num': allocataires, 'requires': ['config']},
        {'code': 'nb_familles', 'num': familles, 'requires': ['config']},
        {'code': 'nb_familles_monoparentales', 'num': monoparents, 'requires': ['config']},
        {'code': 'part_familles', 'num': familles, 'den': allocataires, 'requires': ['config']},
        {'code': 'part_couples_avec_enfants', 'num': couples_avec_enfants, 'den': allocataires, 'requires': ['config']},
        {'code': 'part_familles_monoparentales', 'num': monoparents, 'den': allocataires, 'requires': ['config']},
        {'code': 'part_familles_1_enfant', 'num': ['config__coup_1_enf', 'config__mono_1_enf'], 'den': familles, 'requires': ['config']},
        {'code': 'part_familles_2_enfants', 'num': ['config__coup_2_enf', 'config__mono_2_enf'], 'den': familles, 'requires': ['config']},
        {'code': 'part_familles_nombreuses', 'num': ['config__coup_3_enf', 'config__coup_4plus_enf', 'config__mono_3_enf', 'config__mono_4plus_enf'], 'den': familles, 'requires': ['config']},
        {'code': 'part_allocataires_sans_enfant', 'num': ['config__coup_0_enf'] + isoles, 'den': allocataires, 'requires': ['config']},
        {'code': 'part_couples_sans_enfant', 'num': ['config__coup_0_enf'], 'den': allocataires, 'requires': ['config']},
        {'code': 'part_allocataires_isoles', 'num': isoles, 'den': allocataires, 'requires': ['config']},

        {'code': 'nb_personnes_couvertes', 'num': ['nivcom__nb_personnes_couvertes'], 'requires': ['nivcom']},
        {'code': 'taux_couverture_caf', 'num': ['nivcom__nb_personnes_couvertes'], 'den': ['pop_legale'], 'requires': ['nivcom', 'pop']},
        {'code': 'nb_enfants_caf', 'num': ['nivcom__nb_enfants'], 'requires': ['nivcom']},

        {'code': 'nb_beneficiaires_rsa', 'num': ['rsa__nb_allocataire_rsa'], 'requires': ['rsa']},
        {'code': 'part_rsa', 'num': ['rsa__nb_allocataire_rsa'], 'den': ['rsa__nb_allocataires'], 'requires': ['rsa']},
        {'code': 'nb_beneficiaires_aah', 'num': ['aah__all_aah'], 'requires': ['aah']},
        {'code': 'part_aah', 'num': ['aah__all_aah'], 'den': ['aah__nb_allocataires'], 'requires': ['aah']},
        {'code': 'part_bas_revenus', 'num': ['basrev__all_bas_revenu'], 'den': ['basrev__nb_allocataires_ress'], 'requires': ['basrev']},
        {'code': 'part_dependance_50', 'num': ['dependance__tr50pfrb'], 'den': ['dependance__nb_allocataires'], 'requires': ['dependance']},
        {'code': 'part_dependance_100', 'num': ['dependance__tr100pfrb'], 'den': ['dependance__nb_allocataires'], 'requires': ['dependance']},

        {'code': 'nb_enfants_caf_moins_3', 'num': moins_3, 'requires': ['enfage']},
        {'code': 'part_enfants_moins_3', 'num': moins_3, 'den': ['enfage__nb_enfants'], 'requires': ['enfage']},
        {'code': 'nb_enfants_caf_3_5', 'num': ['enfage__nb_enfants_3_5_ans'], 'requires': ['enfage']},
        {'code': 'part_enfants_3_5', 'num': ['enfage__nb_enfants_3_5_ans'], 'den': ['enfage__nb_enfants'], 'requires': ['enfage']},
        {'code': 'nb_enfants_caf_6_11', 'num': ['enfage__nb_enfants_6_11_ans'], 'requires': ['enfage']},
        {'code': 'nb_enfants_caf_12_17', 'num': ['enfage__nb_enfants_12_15_ans', 'enfage__nb_enfants_16_17_ans'], 'requires': ['enfage']},
        {'code': 'nb_enfants_caf_18_19', 'num': ['enfage__nb_enfants_18_19_ans'], 'requires': ['enfage']},
        {'code': 'part_enfants_caf_6_11', 'num': ['enfage__nb_enfants_6_11_ans'], 'den': ['enfage__nb_enfants'], 'requires': ['enfage']},
        {'code': 'part_enfants_caf_12_17', 'num': ['enfage__nb_enfants_12_15_ans', 'enfage__nb_enfants_16_17_ans'], 'den': ['enfage__nb_enfants'], 'requires': ['enfage']},
        {'code': 'part_enfants_caf_18_19', 'num': ['enfage__nb_enfants_18_19_ans'], 'den': ['enfage__nb_enfants'], 'requires': ['enfage']},
        {'code': 'nb_enfants_caf_6_17', 'num': ['enfage__nb_enfants_6_11_ans', 'enfage__nb_enfants_12_15_ans', 'enfage__nb_enfants_16_17_ans'], 'requires': ['enfage']},
        {'code': 'part_enfants_caf_6_17', 'num': ['enfage__nb_enfants_6_11_ans', 'enfage__nb_enfants_12_15_ans', 'enfage__nb_enfants_16_17_ans'], 'den': ['enfage__nb_enfants'], 'requires': ['enfage']},

        {'code': 'nb_enfants_aeeh', 'num': ['aeeh__nb_enfant_aeeh'], 'requires': ['aeeh']},
        {'code': 'part_enfants_aeeh', 'num': ['aeeh__nb_enfant_aeeh'], 'den': ['nivcom__nb_enfants'], 'requires': ['aeeh', 'nivcom']},

        {'code': 'nb_allocataires_msa', 'num': ['partenaire__allocataires_msa'], 'requires': ['partenaire']},
        {'code': 'nb_personnes_couvertes_msa', 'num': ['partenaire__personnes_couvertes_msa'], 'requires': ['partenaire']},
        {'code': 'part_allocataires_fragiles', 'num': ['partenaire__allocataires_fragiles'], 'den': ['basrev__nb_allocataires_ress'], 'requires': ['partenaire', 'basrev']},
        {'code': 'part_familles_afi', 'num': ['partenaire__familles_afi'], 'den': familles, 'requires': ['partenaire', 'config']},
        {'code': 'part_enfants_moins_3_parents_actifs', 'num': ['partenaire__enfants_moins3_parents_actifs'], 'den': moins_3, 'requires': ['partenaire', 'enfage']},
        {'code': 'part_enfants_moins_3_besoin_garde', 'num': ['partenaire__enfants_moins3_besoin_garde'], 'den': moins_3, 'requires': ['partenaire', 'enfage']},
        {'code': 'part_enfants_moins_3_complement_activite', 'num': ['partenaire__enfants_moins3_complement_activite'], 'den': moins_3, 'requires': ['partenaire', 'enfage']},
        {'code': 'nb_enfants_moins_3_cmg', 'num': ['partenaire__enfants_moins3_cmg'], 'requires': ['partenaire']},
        {'code': 'part_enfants_moins_3_cmg', 'num': ['partenaire__enfants_moins3_cmg'], 'den': moins_3, 'requires': ['partenaire', 'enfage']},
        {'code': 'nb_am_actives', 'num': ['partenaire__am_actives'], 'requires': ['partenaire']},
        {'code': 'nb_am_actives_dans_annee', 'num': ['partenaire__am_actives_au_moins_un_mois'], 'requires': ['partenaire']},
        {'code': 'nb_familles_employeurs_am', 'num': ['partenaire__familles_employeur_am'], 'requires': ['partenaire']},
        {'code': 'nb_enfants_moins_6_gardes_am', 'num': ['partenaire__enfants_moins6_gardes_am'], 'requires': ['partenaire']},
        {'code': 'heures_remunerees_am_par_enfant_mois', 'num': ['partenaire__heures_remunerees_am'], 'den': ['partenaire__enfants_moins6_gardes_am'], 'requires': ['partenaire']},
        {'code': 'salaire_net_moyen_am', 'num': ['partenaire__salaires_nets_am'], 'den': ['partenaire__am_remunerees'], 'requires': ['partenaire']},
        {'code': 'salaire_horaire_moyen_am', 'num': ['partenaire__salaires_nets_am'], 'den': ['partenaire__heures_remunerees_am'], 'requires': ['partenaire']},
        {'code': 'part_am_55_plus', 'num': ['partenaire__am_actives_55_plus'], 'den': ['partenaire__am_actives'], 'requires': ['partenaire']},

        {'code': 'nb_beneficiaires_ppa', 'num': ['partenaire__beneficiaires_ppa'], 'requires': ['partenaire']},
        {'code': 'part_ppa', 'num': ['partenaire__beneficiaires_ppa'], 'den': allocataires, 'requires': ['partenaire', 'config']},

        {'code': 'population_6_17', 'num': ['recensement__pop0610', 'recensement__pop1117'], 'requires': ['recensement']},
        {'code': 'part_population_6_17', 'num': ['recensement__pop0610', 'recensement__pop1117'], 'den': ['recensement__pop'], 'requires': ['recensement']},
        {'code': 'indice_jeunesse', 'num': ['recensement__pop0019'], 'den': ['recensement__pop6074', 'recensement__pop7589', 'recensement__pop90p'], 'requires': ['recensement']},
        {'code': 'nb_naissances', 'num': ['naissances__naissances'], 'requires': ['naissances']},

        {'code': 'nb_allocataires', 'num': ['portail__indfoy_ndur'], 'requires': ['portail'], 'priorite': 2, 'rounded': true},
        {'code': 'nb_personnes_couvertes', 'num': ['portail__indnbp_ndur'], 'requires': ['portail'], 'priorite': 2, 'rounded': true},
        {'code': 'taux_couverture_caf', 'num': ['portail__indnbp_ndur'], 'den': ['pop_legale'], 'requires': ['portail', 'pop'], 'priorite': 2, 'rounded': true},
        {'code': 'nb_beneficiaires_rsa', 'num': ['portail__indfoy_rsa'], 'requires': ['portail'], 'priorite': 2, 'rounded': true},
        {'code': 'part_rsa', 'num': ['portail__indfoy_rsa'], 'den': ['portail__indfoy_ndur'], 'requires': ['portail'], 'priorite': 2, 'rounded': true},
        {'code': 'nb_beneficiaires_ppa', 'num': ['portail__indfoy_ppa'], 'requires': ['portail'], 'priorite': 2, 'rounded': true},
        {'code': 'part_ppa', 'num': ['portail__indfoy_ppa'], 'den': ['portail__indfoy_ndur'], 'requires': ['portail'], 'priorite': 2, 'rounded': true},
        {'code': 'nb_beneficiaires_aah', 'num': ['portail__indfoy_aah'], 'requires': ['portail'], 'priorite': 2, 'rounded': true},
        {'code': 'part_aah', 'num': ['portail__indfoy_aah'], 'den': ['portail__indfoy_ndur'], 'requires': ['portail'], 'priorite': 2, 'rounded': true},
    ] %}
    {{ return(indicators) }}
{% endmacro %}

{#
  Each commune indicator's code → the prefixes of int_communes__variables it reads (its
  sources, and those of its numerator's and denominator's columns; `pop` for the populations
  légales), over every definition of the code: a change to one of them recomputes it
  (macros/incremental.sql). With the rows int_indicateurs__communes builds otherwise: the
  populations, and the childminders per 100 children under 3.
#}
{% macro commune_indicator_inputs() %}
    {% set inputs = {'population_municipale': ['pop'], 'am_pour_100_enfants_moins_3': ['partenaire', 'enfage']} %}
    {% for indicator in commune_indicators() %}
        {% set fed_by = inputs.setdefault(indicator.code, []) %}
        {% for column in indicator.requires + indicator.num + indicator.get('den', []) %}
            {% set prefix = column.split('__')[0] %}
            {% do fed_by.append('pop' if prefix == 'pop_legale' else prefix) %}
        {% endfor %}
    {% endfor %}
    {{ return(inputs) }}
{% endmacro %}

{#
  The share of an EPCI in the CAF's antenne (int_indicateurs__territoires): (its code, the
  indicator it divides by the antenne's).
#}
{% macro antenne_shares() %}
    {{ return([
        ('part_population_epci_dans_antenne', 'population_municipale'),
        ('part_allocataires_epci_dans_antenne', 'nb_allocataires'),
    ]) }}
{% endmacro %}
