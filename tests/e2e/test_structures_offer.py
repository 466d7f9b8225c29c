"""The offer side of the diagnostic on the shared sample refresh: the register of Annexe 2, the
per-commune early-childhood focus, RPE, MAM and micro-crèches, the AVS table, coordination."""

from __future__ import annotations

import duckdb
import pytest

EPCI = "246200729"
FOCUS_YEAR = 2019  # the RPE line of Annexe 1: "6 RPE pour 5,74 ETP en 2019"


def published(warehouse, sql, params=()):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def value(warehouse, indicator, level, code, year=FOCUS_YEAR):
    rows = published(
        warehouse,
        "select valeur from marts.indicateurs where indicateur_code = ? and territoire_niveau = ? "
        "and territoire_code = ? and annee = ?",
        (indicator, level, code, year),
    )
    assert len(rows) == 1, f"{indicator} {level} {code} {year}: {rows}"
    return rows[0][0]


def test_register_holds_annexe_2_and_the_structures_annexe_1_adds(refreshed):
    _landing, warehouse = refreshed
    by_type = dict(published(warehouse, "select type, count(*) from marts.structures where dans_le_territoire and "
                                        "statut <> 'projet' and (date_ouverture is null or date_ouverture < '2021-01-01') "
                                        "group by type"))  # before the convention
    # Annexe 2: 14 EAJE, 6 RPE, 3 LAEP, 7 coordination posts (+ Saint-Léonard's, Axe 12).
    assert (by_type["EAJE"], by_type["RPE"], by_type["LAEP"], by_type["COORDINATION"]) == (14, 6, 3, 8)
    # Annexe 1: 4 MAM, 3 micro-crèches, 8 centres sociaux, Marelle et Ricochet, 11 CLAS.
    assert (by_type["MAM"], by_type["MICRO_CRECHE_PAJE"], by_type["CENTRE_SOCIAL"], by_type["EVS"]) == (4, 3, 8, 1)
    assert by_type["CLAS"] == 11
    communes = published(warehouse, "select count(distinct code_commune) from marts.structures where type not in "
                                    "('MAM', 'MICRO_CRECHE_PAJE', 'CENTRE_SOCIAL', 'EVS')")
    assert communes == [(17,)]
    projects = published(warehouse, "select nom from marts.structures where statut = 'projet' order by nom")
    assert [name for (name,) in projects] == [
        "Espace Henriville (préfiguration)", "Espace Maes (préfiguration)", "Projet de MAM d'Outreau",
        "Projet de RPE de Neufchâtel-Hardelot", "Projet de micro-crèche d'Équihen-Plage",
        "Projet de micro-crèche de Condette", "Projet de micro-crèche de Wimille"]
    [(manager, periscolaire, extrascolaire)] = published(
        warehouse, "select gestionnaire_nature, periscolaire, extrascolaire from marts.structures "
                   "where code_commune = '62075' and type = 'ALSH'")
    assert (manager, periscolaire, extrascolaire) == ("municipal", False, True)  # Baincthun's ALSH: périscolaire stopped


@pytest.mark.parametrize(
    "commune, places, occupation, days, enrolled_per_place",
    [
        ("62160", 259, 61.04, 233, 2.95),  # Boulogne-sur-Mer
        ("62893", 20, 86.72, 229, 5.65),  # Wimereux
        ("62758", 50, 68.59, 224, 3.2),  # Saint-Martin-Boulogne
        ("62667", 55, 65.01, 223, 6.22),  # Le Portel (the convention prints 6,21: no whole number of children gives it)
        ("62746", 35, 72.88, 227, 3.8),  # the SIVU's multi-accueil, in Saint-Étienne-au-Mont
        ("62643", 60, 60.80, 227, 2.72),  # Outreau (printed 2,71, same reason)
        ("62604", 22, 71.61, 220, 4.5),  # Neufchâtel-Hardelot
    ],
)
def test_early_childhood_focus_by_commune(refreshed, commune, places, occupation, days, enrolled_per_place):
    _landing, warehouse = refreshed
    assert value(warehouse, "nb_places_eaje_psu", "commune", commune) == places
    assert round(value(warehouse, "taux_occupation", "commune", commune), 2) == occupation
    assert round(value(warehouse, "jours_ouverture", "commune", commune)) == days
    decimals = len(str(enrolled_per_place).split(".")[1])
    assert round(value(warehouse, "inscrits_par_place", "commune", commune), decimals) == enrolled_per_place
    [(focus_places, share)] = published(
        warehouse, "select places_eaje_psu, part_places_eaje_psu_dans_epci from marts.focus_petite_enfance "
                   "where territoire_code = ? and annee = ?", (commune, FOCUS_YEAR))
    assert focus_places == places and share == pytest.approx(100 * places / 501)


def test_rpe_mam_and_micro_creches(refreshed):
    _landing, warehouse = refreshed
    assert value(warehouse, "nb_rpe", "epci", EPCI) == 6
    assert value(warehouse, "etp_rpe", "epci", EPCI) == 5.74
    assert value(warehouse, "etp_rpe", "commune", "62160") == 1.5  # Relais Célestine
    assert value(warehouse, "etp_rpe", "commune", "62075") == 0  # no RPE in Baincthun: 0, not missing
    # 301 childminders (partner extract, 2019) for 5.74 ETP: 52.4 (the convention prints 75.3).
    assert round(value(warehouse, "am_par_etp_rpe", "epci", EPCI), 1) == 52.4
    assert (value(warehouse, "nb_mam", "epci", EPCI), value(warehouse, "nb_places_mam", "epci", EPCI)) == (4, 47)
    assert (value(warehouse, "nb_mam", "commune", "62894"), value(warehouse, "nb_places_mam", "commune", "62894")) == (2, 23)
    assert value(warehouse, "nb_micro_creches", "epci", EPCI) == 3
    assert value(warehouse, "nb_places_micro_creche", "epci", EPCI) == 30
    assert value(warehouse, "nb_places_micro_creche", "commune", "62758") == 10
    # The communes' PSU places sum to 501 (the convention's text says 511); + 30 + 47.
    assert value(warehouse, "nb_places_eaje_psu", "epci", EPCI) == 501
    assert value(warehouse, "nb_places_accueil_collectif", "epci", EPCI) == 578
    assert value(warehouse, "nb_places_accueil_collectif", "commune", "62758") == 60  # 50 EAJE + 10 micro-crèche
    assert value(warehouse, "nb_eaje", "epci", EPCI) == 14


def test_avs_table_of_annexe_1(refreshed):
    """Annexe 1, "Tableau équipements et financements AVS" (2017, EPCI column)."""
    _landing, warehouse = refreshed
    assert value(warehouse, "nb_structures_avs", "epci", EPCI, 2017) == 8
    assert value(warehouse, "nb_centres_sociaux", "epci", EPCI, 2017) == 8
    assert value(warehouse, "nb_centres_sociaux_projet_famille", "epci", EPCI, 2017) == 7
    assert value(warehouse, "nb_evs", "epci", EPCI, 2017) == 0
    assert value(warehouse, "nb_centres_sociaux", "epci", EPCI, 2018) == 8  # evolution 2017 -> 2018: 0
    assert value(warehouse, "montant_financements_avs", "epci", EPCI, 2017) == 869_752
    assert value(warehouse, "montant_ps_avs", "epci", EPCI, 2017) == 666_361
    assert value(warehouse, "montant_subventions_fonctionnement_avs", "epci", EPCI, 2017) == 203_391
    # The EVS Marelle et Ricochet came later (the text: 1 EVS); the two projects never count.
    assert value(warehouse, "nb_evs", "epci", EPCI, 2019) == 1
    assert value(warehouse, "nb_centres_sociaux", "epci", EPCI, 2023) == 8


def test_offer_has_no_departement_row_and_alsh_communes_only_for_the_epci(refreshed):
    _landing, warehouse = refreshed
    # The SIVU's focus (Annexe 1: 35 places, 227 days) is its group's row.
    assert value(warehouse, "nb_places_eaje_psu", "groupement", "sivu_seli") == 35
    assert round(value(warehouse, "jours_ouverture", "groupement", "sivu_seli")) == 227
    assert value(warehouse, "nb_communes_avec_alsh", "epci", EPCI) == 17
    rows = published(warehouse, "select territoire_niveau, count(*) from marts.indicateurs where indicateur_code in "
                                "('nb_communes_avec_alsh', 'nb_eaje') group by all order by 1")
    years = published(warehouse, "select count(distinct annee) from marts.indicateurs where indicateur_code = 'nb_eaje'")[0][0]
    assert rows == [("commune", 22 * years), ("epci", 2 * years), ("groupement", 2 * 2 * years)]


def test_coordination_posts_axe_12_and_communes_without_offer(refreshed):
    _landing, warehouse = refreshed
    coordination = dict(published(warehouse, "select territoire_code, etp from marts.offre_structures "
                                             "where type = 'COORDINATION' and annee = 2021"))
    assert coordination.pop(EPCI) == pytest.approx(7.10)
    assert coordination == pytest.approx({"62667": 0.3, "62160": 2, "62758": 0.5, "62604": 1, "62894": 1,
                                          "62755": 1.3, "62908": 1})
    lacking_all = published(warehouse, "select libelle_commune from marts.communes_non_dotees "
                                       "where annee = 2021 and nb_manques = 3 order by 1")
    assert [name for (name,) in lacking_all] == ["Conteville-lès-Boulogne", "Echinghen", "Nesles",
                                                  "Pernes-lès-Boulogne", "Pittefaux"]
