{#
  The offer indicators computed from the structures open in a year (int_offre__communes), by
  kind (INDICATORS.md, "Offer indicators from the inventory"):
    counts  (code, condition): structures open on 31 December
    sums    (code, column, condition): their places or ETP of the year
    ratios  (code, numerator, denominator, measure): over the EAJE whose measure is known
    extremes (code, min or max, measure): over the commune's EAJE; commune figures only (a
            minimum does not sum to the EPCI)
    open    the condition of a structure open (not a project), for the models' own filters
  Conditions are on the columns of int_structures__annees. An EAJE whose `psu` is blank counts
  as PSU (the PAJE-funded ones are the micro-crèches, a type of their own). A structure whose
  `agrement` is `projet` is not open: only the `nb_projets_creation_*` counts take it, for the
  inventory's latest year (a project has no dates).
#}
{% macro offer_indicators() %}
    {% set open = "coalesce(agrement, '') <> 'projet'" %}
    {% set municipal_psu_eaje = "type = 'EAJE' and coalesce(psu, true) and gestionnaire_nature = 'municipal' and " ~ open %}
    {{ return({
        'open': open,
        'counts': [
            ('nb_eaje', "type = 'EAJE' and " ~ open),
            ('nb_micro_creches', "type = 'MICRO_CRECHE_PAJE' and " ~ open),
            ('nb_mam', "type = 'MAM' and " ~ open),
            ('nb_rpe', "type = 'RPE' and " ~ open),
            ('nb_laep', "type = 'LAEP' and " ~ open),
            ('nb_postes_coordination', "type = 'COORDINATION' and " ~ open),
            ('nb_centres_sociaux', "type = 'CENTRE_SOCIAL' and est_avs_agreee"),
            ('nb_evs', "type = 'EVS' and est_avs_agreee"),
            ('nb_structures_avs', "est_avs_agreee"),
            ('nb_centres_sociaux_projet_famille', "type = 'CENTRE_SOCIAL' and est_avs_agreee and " ~ list_has('dispositifs', "'ACF'")),
            ('nb_creches_familiales', "type = 'EAJE' and sous_type = 'crèche familiale' and " ~ open),
            ('nb_eaje_gestion_municipale', municipal_psu_eaje),
            ('nb_clas', "type = 'CLAS' and " ~ open),
            ('nb_ps_jeunes', "est_avs_agreee and " ~ list_has('dispositifs', "'PS_JEUNES'")),
            ('nb_projets_creation_mam', "type = 'MAM' and agrement = 'projet'"),
            ('nb_projets_creation_rpe', "type = 'RPE' and agrement = 'projet'"),
            ('nb_projets_creation_micro_creches', "type = 'MICRO_CRECHE_PAJE' and agrement = 'projet'"),
            ('nb_projets_creation_centres_sociaux', "type = 'CENTRE_SOCIAL' and agrement = 'projet'"),
            ('nb_projets_creation_evs', "type = 'EVS' and agrement = 'projet'"),
        ],
        'sums': [
            ('nb_places_eaje_psu', 'places', "type = 'EAJE' and coalesce(psu, true) and " ~ open),
            ('nb_places_micro_creche', 'places', "type = 'MICRO_CRECHE_PAJE' and " ~ open),
            ('nb_places_mam', 'places', "type = 'MAM' and " ~ open),
            ('nb_places_accueil_collectif', 'places', "((type = 'EAJE' and coalesce(psu, true)) or type in ('MICRO_CRECHE_PAJE', 'MAM')) and " ~ open),
            ('nb_places_creches_familiales', 'places', "type = 'EAJE' and sous_type = 'crèche familiale' and " ~ open),
            ('nb_places_eaje_gestion_municipale', 'places', municipal_psu_eaje),
            ('nb_enfants_inscrits_eaje', 'enfants_inscrits', "type = 'EAJE' and " ~ open),
            ('etp_rpe', 'etp', "type = 'RPE' and " ~ open),
            ('etp_coordination', 'etp', "type = 'COORDINATION' and " ~ open),
        ],
        'ratios': [
            ('taux_occupation', 'taux_occupation / 100.0 * places', 'places', 'taux_occupation'),
            ('jours_ouverture', 'jours_ouverture', '1', 'jours_ouverture'),
            ('inscrits_par_place', 'enfants_inscrits', 'places', 'enfants_inscrits'),
        ],
        'extremes': [
            ('jours_ouverture_min', 'min', 'jours_ouverture'),
            ('jours_ouverture_max', 'max', 'jours_ouverture'),
        ],
    }) }}
{% endmacro %}
