{#
  The convention's early-childhood focus (Annexe 1, "Focus EAJE par commune"), for each commune
  of the territory and the EPCI, every year of the offer: CAF children under 3 and births (the
  latest year at or before, with the births' 3-year trend), collective places and the
  commune's share of the EPCI's PSU places, EAJE occupation, opening days and children enrolled
  per place; and the coverage side by side: inventory places per 100 children under 3 against
  the ONAPE theoretical capacity (all modes, latest year at or before).
#}

with indicateurs as (
    select * from {{ ref('indicateurs') }}
),

territoire as (
    select * from {{ ref('stg_ref__territoire') }}
),

territoire_communes as (
    select * from {{ ref('stg_ref__territoire_communes') }}
),

offre as (
    select
        territoire_niveau,
        territoire_code,
        territoire_libelle,
        annee,
        max(valeur) filter (where indicateur_code = 'nb_eaje') as nb_eaje,
        max(valeur) filter (where indicateur_code = 'nb_places_eaje_psu') as places_eaje_psu,
        max(valeur) filter (where indicateur_code = 'nb_places_micro_creche') as places_micro_creche,
        max(valeur) filter (where indicateur_code = 'nb_places_mam') as places_mam,
        max(valeur) filter (where indicateur_code = 'nb_places_accueil_collectif') as places_accueil_collectif,
        max(valeur) filter (where indicateur_code = 'taux_occupation') as taux_occupation,
        max(valeur) filter (where indicateur_code = 'jours_ouverture') as jours_ouverture,
        max(valeur) filter (where indicateur_code = 'inscrits_par_place') as inscrits_par_place
    from indicateurs
    where territoire_niveau in ('commune', 'epci', 'groupement')
        and indicateur_code in (
            'nb_eaje', 'nb_places_eaje_psu', 'nb_places_micro_creche', 'nb_places_mam',
            'nb_places_accueil_collectif', 'taux_occupation', 'jours_ouverture', 'inscrits_par_place'
        )
    group by territoire_niveau, territoire_code, territoire_libelle, annee
),

epci_places as (
    select
        territoire_code as epci_siren,
        annee,
        places_eaje_psu
    from offre
    where territoire_niveau = 'epci'
),

enfants as (
    select
        territoire_niveau,
        territoire_code,
        annee,
        valeur
    from indicateurs
    where indicateur_code = 'nb_enfants_caf_moins_3'
),

naissances as (
    select
        current_year.territoire_niveau,
        current_year.territoire_code,
        current_year.annee,
        current_year.valeur,
        three_years_before.valeur as valeur_3_ans_avant
    from indicateurs as current_year
    left join indicateurs as three_years_before
        on current_year.indicateur_code = three_years_before.indicateur_code
        and current_year.territoire_niveau = three_years_before.territoire_niveau
        and current_year.territoire_code = three_years_before.territoire_code
        and three_years_before.annee = current_year.annee - 3
    where current_year.indicateur_code = 'nb_naissances'
),

onape as (
    select
        territoire_niveau,
        territoire_code,
        annee,
        valeur
    from indicateurs
    where indicateur_code = 'capacite_theorique_accueil'
),

final as (
    select
        offre.territoire_niveau,
        offre.territoire_code,
        offre.territoire_libelle,
        offre.annee,
        enfants.annee as annee_enfants_moins_3,
        enfants.valeur as enfants_caf_moins_3,
        naissances.annee as annee_naissances,
        naissances.valeur as naissances,
        100.0 * (naissances.valeur - naissances.valeur_3_ans_avant)
        / nullif(naissances.valeur_3_ans_avant, 0) as variation_naissances_3ans_pct,
        offre.nb_eaje,
        offre.places_eaje_psu,
        offre.places_micro_creche,
        offre.places_mam,
        offre.places_accueil_collectif,
        100.0 * offre.places_eaje_psu / nullif(epci_places.places_eaje_psu, 0) as part_places_eaje_psu_dans_epci,
        offre.taux_occupation,
        offre.jours_ouverture,
        offre.inscrits_par_place,
        100.0 * offre.places_accueil_collectif / nullif(enfants.valeur, 0) as places_pour_100_enfants_moins_3,
        onape.annee as annee_onape,
        onape.valeur as capacite_theorique_onape
    from offre
    left join territoire_communes
        on offre.territoire_niveau = 'commune'
        and offre.territoire_code = territoire_communes.code_commune
    -- The EPCI of a commune is its own; that of a group, the convention's.
    left join epci_places
        on offre.annee = epci_places.annee
        and epci_places.epci_siren = case offre.territoire_niveau
            when 'commune' then territoire_communes.epci_siren
            when 'epci' then offre.territoire_code
            else (
                select territoire.epci_siren from territoire
                where territoire.est_principal
            )
        end
    asof left join enfants
        on offre.territoire_niveau = enfants.territoire_niveau
        and offre.territoire_code = enfants.territoire_code
        and offre.annee >= enfants.annee
    asof left join naissances
        on offre.territoire_niveau = naissances.territoire_niveau
        and offre.territoire_code = naissances.territoire_code
        and offre.annee >= naissances.annee
    asof left join onape
        on offre.territoire_niveau = onape.territoire_niveau
        and offre.territoire_code = onape.territoire_code
        and offre.annee >= onape.annee
)

select * from final
