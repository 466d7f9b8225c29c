"""The evaluation of the action plan (Annexe 3) on the shared sample refresh: every one of the
36 indicators has a value or a status, against its baseline, from the warehouse's sources or
the follow-up file; what no source gave is `non_renseigne`, never 0."""

from __future__ import annotations

import duckdb
import pytest

YEAR = 2023  # the latest year of the sample's inventory, activity, permis records and AL extract


def published(warehouse, sql, params=()):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def row(warehouse, code, year=YEAR):
    [found] = published(
        warehouse,
        "select valeur, statut_suivi, statut, annee_reference, valeur_reference, evolution_depuis_reference, source "
        "from marts.evaluation where indicateur_code = ? and annee = ?", (code, year))
    return dict(zip(["valeur", "statut_suivi", "statut", "annee_reference", "valeur_reference", "evolution", "source"],
                    found, strict=True))


# Every indicator of the plan in 2023: (value, status). Computed ones by hand from the sample:
# the inventory and activity (scripts/generate_structures_sample.py), the partner extract, the
# permis de louer records (marts.indicateurs, EPCI), the follow-up (scripts/generate_suivi_sample.py).
EXPECTED_2023 = {
    # Axe 1: 10 places of the north-east micro-crèche (opened 05/09/2022); the MAM does not count.
    "a1_places_creees": (10, "en_progression"),
    "a1_projets_mutualises": (2, "en_progression"),
    # Axe 2: am_actives 2023 minus 2021 (partner extract, EPCI), see below.
    "a2_am_nouvelles": (None, "en_progression"),
    "a2_reseau_rpe_officialise": (1, "realise"),
    "a3_bourse_emploi_animateurs": (0, "en_cours"),
    "a3_recrutement_echanges": (None, "en_cours"),
    "a4_jeunes_accompagnes": (150, "en_progression"),
    "a4_situations_reperees": (35, "en_baisse"),
    "a5_pole_ressource": (1, "realise"),
    "a5_evs_crees": (1, "en_progression"),  # Isques, 01/03/2023
    "a6_projets_evs": (3, "en_progression"),  # Boulogne's EVS, Le Portel's project, Isques
    "a6_conventions_cooperation": (3, "en_progression"),
    "a7_centres_sociaux_evs": (10, "en_progression"),  # 8 centres sociaux, 2 approved EVS
    "a7_projets_collectifs": (6, "en_progression"),
    "a8_actions_identifiees": (31, "en_progression"),
    "a8_site_internet": (0, "en_cours"),
    "a8_familles_formees": (130, "en_progression"),
    "a8_coordination_actions": (None, "en_cours"),
    "a9_pole_ressource": (0, "en_cours"),
    "a9_coordination_inclusion": (0, "en_cours"),
    "a9_regard_handicap": (None, "non_renseigne"),  # left out of the sample's follow-up
    "a9_enfants_accompagnes": (15, "en_progression"),
    "a9_familles_accompagnees": (22, "en_progression"),
    "a10_logements_visites": (None, None),  # the permis figures: checked against marts.indicateurs below
    "a10_permis_accordes_refuses": (None, None),
    "a10_mises_en_conformite": (None, None),
    "a10_accords_tacites": (None, None),
    "a10_al_avec_autorisation": (None, None),
    "a10_al_sans_demande": (None, None),
    # Axe 11: Baincthun's micro-crèche (25 children, 23 from the three communes) and the new
    # one (16 children, all from them): 41 children, 39 / 41 = 95.1 %.
    "a11_enfants_accueillis": (41, "en_progression"),
    "a11_part_enfants_du_territoire": (95.1, "en_progression"),
    "a11_familles_accompagnees": (38, "en_progression"),
    "a11_am_accompagnees": (11, "en_progression"),
    "a11_structures_creees": (3, "en_progression"),  # micro-crèche and RPE 2022, MAM 2023
    # Axe 12: 7.10 ETP and the chargé de coopération (1 ETP) since 2023.
    "a12_etp_coordination": (8.1, "en_progression"),
    "a12_charges_cooperation": (0, "en_cours"),
}
PERMIS = {
    "a10_logements_visites": ["nb_logements_visites"],
    "a10_permis_accordes_refuses": ["nb_autorisations", "nb_refus"],
    "a10_mises_en_conformite": ["nb_mises_en_conformite_apres_refus"],
    "a10_accords_tacites": ["nb_accords_tacites"],
    "a10_al_avec_autorisation": ["nb_logements_al_avec_autorisation"],
    "a10_al_sans_demande": ["nb_logements_al_sans_demande"],
}


def epci_figure(warehouse, codes, year):
    rows = published(warehouse, "select sum(valeur), count(valeur) from marts.indicateurs where territoire_niveau = "
                                "'epci' and annee = ? and list_contains(?, indicateur_code)", (year, codes))
    total, count = rows[0]
    assert count == len(codes)
    return total


def test_the_36_indicators_of_the_plan_every_year_of_the_convention(refreshed):
    _landing, warehouse = refreshed
    rows = published(warehouse, "select count(distinct indicateur_code), min(annee), max(annee), count(*), "
                                "count(distinct axe) from marts.evaluation")
    assert rows == [(36, 2021, 2025, 36 * 5, 12)]
    assert set(EXPECTED_2023) == {code for (code,) in published(warehouse, "select indicateur_code from marts.evaluation")}


@pytest.mark.parametrize("code", sorted(EXPECTED_2023))
def test_every_indicator_has_its_value_or_status(refreshed, code):
    _landing, warehouse = refreshed
    found = row(warehouse, code)
    value, status = EXPECTED_2023[code]
    if code in PERMIS:  # the published Axe 10 figures of the EPCI, and their move since 2021
        value = epci_figure(warehouse, PERMIS[code], YEAR)
        baseline = epci_figure(warehouse, PERMIS[code], 2021)
        assert found["valeur_reference"] == baseline and found["evolution"] == value - baseline
        status = "stable" if value == baseline else "en_progression" if value > baseline else "en_baisse"
    if code == "a2_am_nouvelles":
        value = epci_figure(warehouse, ["nb_am_actives"], YEAR) - epci_figure(warehouse, ["nb_am_actives"], 2021)
    assert found["statut"] == status
    if value is None:
        assert found["valeur"] is None
    else:
        assert found["valeur"] == pytest.approx(value)
    assert (found["source"] is None) == (status == "non_renseigne")


def test_baselines(refreshed):
    _landing, warehouse = refreshed
    # Axe 12: the convention's 7.10 ETP (Annexe 3), whatever the inventory says.
    assert row(warehouse, "a12_etp_coordination", 2021) | {"source": None} == {
        "valeur": pytest.approx(7.1), "statut_suivi": None, "statut": "stable", "annee_reference": 2021,
        "valeur_reference": pytest.approx(7.1), "evolution": pytest.approx(0), "source": None}
    # A follow-up figure's baseline is its 2021 value; "created since" figures start from 0.
    assert row(warehouse, "a4_jeunes_accompagnes", 2022)["valeur_reference"] == 120
    assert row(warehouse, "a11_structures_creees", 2021)["valeur"] == 0
    assert row(warehouse, "a11_structures_creees")["valeur_reference"] == 0


def test_a_missing_source_is_non_renseigne_never_zero(refreshed):
    _landing, warehouse = refreshed
    # No source reaches 2025 in the sample, and the inventory and permis stop in 2023.
    assert published(warehouse, "select distinct statut, valeur from marts.evaluation where annee = 2025") == [
        ("non_renseigne", None)]
    for code in ("a1_places_creees", "a10_logements_visites", "a12_etp_coordination"):
        assert row(warehouse, code, 2024) | {"annee_reference": None, "valeur_reference": None} == {
            "valeur": None, "statut_suivi": None, "statut": "non_renseigne", "annee_reference": None,
            "valeur_reference": None, "evolution": None, "source": None}


def test_a_corrected_follow_up_file_replaces_the_earlier_figure(refreshed):
    """The shared landing holds a later file correcting a 2024 figure of the sample (142 -> 145)."""
    _landing, warehouse = refreshed
    corrected = row(warehouse, "a4_jeunes_accompagnes", 2024)
    assert corrected["valeur"] == 145 and corrected["evolution"] == 25
    assert corrected["source"] == "Suivi du plan d'action (suivi_correction_2024.csv)"
    # The other figures of the earlier file stay.
    assert row(warehouse, "a4_situations_reperees", 2024)["valeur"] == 33
    assert "validé en comité de pilotage le 10/12/2024" in row(warehouse, "a4_situations_reperees", 2024)["source"]


def test_the_yearly_review_of_each_axe(refreshed):
    _landing, warehouse = refreshed
    review = published(warehouse, "select axe, nb_indicateurs, nb_renseignes, nb_ameliores, nb_non_renseignes, "
                                  "nb_echeances_depassees, indicateurs_echeance_depassee from marts.evaluation_axes "
                                  "where annee = 2024 and axe in (2, 9, 10) order by axe")
    assert review == [
        (2, 2, 1, 1, 1, 0, None),  # RPE network realised in 2022; no partner extract for 2024
        (9, 5, 4, 1, 1, 1, ["a9_pole_ressource"]),  # the pôle ressource was due in 2023, still en cours
        (10, 6, 0, 0, 6, 0, None),  # the permis records stop in 2023
    ]
    assert published(warehouse, "select sum(nb_indicateurs) from marts.evaluation_axes where annee = 2021") == [(36,)]


def test_axe_1_places_are_cross_checked_with_the_onape_count(refreshed):
    _landing, warehouse = refreshed
    [(value, comment)] = published(warehouse, "select valeur, commentaire from marts.evaluation "
                                              "where indicateur_code = 'a1_places_creees' and annee = 2022")
    inventory = epci_figure(warehouse, ["nb_places_eaje_psu", "nb_places_micro_creche"], 2022)
    assert value == 10  # the north-east micro-crèche
    assert comment == f"Contrôle ONAPE 2022 : 561 places d'accueil collectif (inventaire : {inventory:.0f})"
