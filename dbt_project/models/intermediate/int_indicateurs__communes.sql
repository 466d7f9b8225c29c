{#
  Every indicator at commune level, for every commune of the extracts (the whole
  département is needed for the comparison), as a numerator and, for ratios, a denominator.
  Ratios are never averaged: the territory levels re-sum numerators and denominators.

  Legacy files and the current portal can give the same figure: for a given indicator and
  year, legacy files win (exact counts, only small cells masked) and the portal (rounded to
  5) fills the years the legacy files do not cover. The rule is per indicator and year, so a
  territory's figure never mixes the two.
  An indicator whose variables no commune has in a year is not produced for that year.
  Incremental by year (macros/incremental.sql).
#}

{{ year_incremental_config() }}

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

-- Not materialized: each of the indicators' selects below reads only its own columns of the
-- wide table (nationally 6.6 s instead of 12.3 s for the model).
with variables as not materialized (
    select * from {{ ref('int_communes__variables') }}
    where {{ years_recomputed() }}
),

-- The childminders of a year count the children of one of the four years before.
child_variables as (
    select * from {{ ref('int_communes__variables') }}
    where {{ years_recomputed(back=4) }}
),

populations as (
    select * from {{ ref('stg_insee__populations_legales') }}
    where {{ years_recomputed() }}
),

variable_rows as (
    {{ indicator_rows('variables', indicators) }}
),

population_rows as (
    select
        'population_municipale' as indicateur_code,
        code_commune,
        dep_code,
        annee,
        cast(population_municipale as double) as numerateur,
        cast(null as double) as denominateur,
        false as est_ratio,
        false as est_approximatif,
        true as numerateur_present,
        true as denominateur_present,
        source_libelle as source,
        1 as priorite
    from populations
),

-- Childminders per 100 children under 3: the partner's count of a year (2019) against the
-- CAF children of the latest year at or before it (EnfantAgeCom 2018), as the convention
-- does; the source names both files.
child_count_years as (
    select
        partner_years.annee,
        max(child_years.annee) as annee_enfants
    from (
        select distinct annee from variables
        where a_partenaire
    ) as partner_years
    inner join (
        select distinct annee from child_variables
        where a_enfage
    ) as child_years
        on child_years.annee between partner_years.annee - 4 and partner_years.annee
    group by partner_years.annee
),

childminder_rows as (
    select
        'am_pour_100_enfants_moins_3' as indicateur_code,
        partner.code_commune,
        partner.dep_code,
        partner.annee,
        cast(partner.partenaire__am_actives as double) as numerateur,
        cast(children.enfage__nb_enfants_0_2_ans as double) as denominateur,
        true as est_ratio,
        partner.partenaire__am_actives is null or children.enfage__nb_enfants_0_2_ans is null as est_approximatif,
        {{ variable_present('partenaire__am_actives', 'partner') }} as numerateur_present,
        {{ variable_present('enfage__nb_enfants_0_2_ans', 'children') }} as denominateur_present,
        concat_ws(' ; ', partner.partenaire__source_libelle, children.enfage__source_libelle) as source,
        1 as priorite
    from variables as partner
    inner join child_count_years
        on partner.annee = child_count_years.annee
    inner join child_variables as children
        on partner.code_commune = children.code_commune
        and children.annee = child_count_years.annee_enfants
        and children.a_enfage
    where partner.a_partenaire
),

all_rows as materialized (
    select * from variable_rows
    union all
    select * from population_rows
    union all
    select * from childminder_rows
),

-- A variable absent from a year's files (an older partner extract, a census edition without
-- POP0019) gives no row for that year, rather than NULL figures passed off as approximate.
-- A variable present but masked for every commune (small counts) still gives its rows.
-- (Grouped, then joined back: window functions over the tens of millions of commune rows of
-- national extracts cost several times more.)
with_data as (
    select
        indicateur_code,
        annee,
        priorite
    from all_rows
    group by indicateur_code, annee, priorite
    having bool_or(numerateur_present) and bool_or(denominateur_present)
),

-- For each indicator and year, the best source present: legacy (1) before portal (2).
retained as (
    select
        indicateur_code,
        annee,
        min(priorite) as priorite
    from with_data
    group by indicateur_code, annee
),

final as (
    select
        all_rows.indicateur_code,
        all_rows.code_commune,
        all_rows.dep_code,
        all_rows.annee,
        all_rows.numerateur,
        all_rows.denominateur,
        all_rows.est_ratio,
        all_rows.est_approximatif,
        all_rows.source,
        all_rows.priorite
    from all_rows
    inner join retained
        on all_rows.indicateur_code = retained.indicateur_code
        and all_rows.annee = retained.annee
        and all_rows.priorite = retained.priorite
)

select * from final
