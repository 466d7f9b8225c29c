{#
  The offer indicators computed from the structures open in a year (int_offre__communes), by
  kind (INDICATORS.md, "Offer indicators from the inventory"):
    counts  (code, condition): structures open on 31 December
    sums    (code, column, condition): their places or ETP of the year
    ratios  (code, numerator, denominator, measure): over the EAJE whose measure is known
  Conditions are on the columns of int_structures__annees. An EAJE whose `psu` is blank counts
  as PSU (the PAJE-funded ones are the micro-crèches, a type of their own).
#}
{% macro offer_indicators() %}
    {{ return({
        'counts': [
            ('nb_eaje', "type = 'EAJE'"),
            ('nb_micro_creches', "type = 'MICRO_CRECHE_PAJE'"),
            ('nb_mam', "type = 'MAM'"),
            ('nb_rpe', "type = 'RPE'"),
            ('nb_laep', "type = 'LAEP'"),
            ('nb_postes_coordination', "type = 'COORDINATION'"),
            ('nb_centres_sociaux', "type = 'CENTRE_SOCIAL' and est_avs_agreee"),
            ('nb_evs', "type = 'EVS' and est_avs_agreee"),
            ('nb_structures_avs', "est_avs_agreee"),
            ('nb_centres_sociaux_projet_famille', "type = 'CENTRE_SOCIAL' and est_avs_agreee and list_contains(dispositifs, 'ACF')"),
        ],
        'sums': [
            ('nb_places_eaje_psu', 'places', "type = 'EAJE' and coalesce(psu, true)"),
            ('nb_places_micro_creche', 'places', "type = 'MICRO_CRECHE_PAJE'"),
            ('nb_places_mam', 'places', "type = 'MAM'"),
            ('nb_places_accueil_collectif', 'places', "(type = 'EAJE' and coalesce(psu, true)) or type in ('MICRO_CRECHE_PAJE', 'MAM')"),
            ('etp_rpe', 'etp', "type = 'RPE'"),
            ('etp_coordination', 'etp', "type = 'COORDINATION'"),
        ],
        'ratios': [
            ('taux_occupation', 'taux_occupation / 100.0 * places', 'places', 'taux_occupation'),
            ('jours_ouverture', 'jours_ouverture', '1', 'jours_ouverture'),
            ('inscrits_par_place', 'enfants_inscrits', 'places', 'enfants_inscrits'),
        ],
    }) }}
{% endmacro %}
