"""The structures inventory, its activity and its funding: every variant of SOURCES.md §6 is
read the same way, and a bad row is refused naming its file, line, column and rule."""

from datetime import date, datetime

import duckdb
import pandas as pd
import pytest
from openpyxl import Workbook

from ingest import quality
from ingest.discovery import discover, identify
from ingest.errors import ContractError
from ingest.pipeline import ingest_source
from ingest.registry import SOURCES
from ingest.sources.structures import inventory_rules, read_activity, read_funding, read_inventory

HEADER = "structure_id;type;sous_type;nom;adresse;commune_insee;gestionnaire;places;psu;etp;date_ouverture;date_fermeture\n"
EAJE = "bou-eaje-01;EAJE;multi-accueil;Multi Accueil Célestine;Allée Levillain;62160;Mairie;60;oui;;01/09/2008;\n"
RPE = "WRX-RPE-01;RPE;;RPE Les Petits Loups;4, Rue du Tennis;62893;municipal;;non;0,64;2009-01-15;\n"
ACTIVITY = "structure_id;annee;mesure;valeur\n"


def rejected(call, path):
    with pytest.raises(ContractError) as error:
        call(path)
    violation = error.value.violations[0]
    return violation.line, violation.column, violation.rule


def violations(frame, rules):
    return [(v.line, v.column, v.rule) for v in quality.validate(rules, frame, "inventaire.csv")]


def test_french_and_iso_spellings_read_alike(write_file):
    french = read_inventory(write_file("a/inventaire.csv", HEADER + EAJE + RPE, encoding="cp1252"))
    iso = read_inventory(write_file("b/inventaire.csv", (HEADER + EAJE + RPE).replace(";", ",").replace(
        "0,64", '"0.64"').replace("01/09/2008", "2008-09-01").replace(",oui,", ",true,").replace(",non,", ",0,")
        .replace("Allée Levillain", '"Allée Levillain"').replace("4, Rue du Tennis", '"4, Rue du Tennis"')))
    columns = ["structure_id", "type", "code_commune", "places", "psu", "etp", "date_ouverture", "gestionnaire_nature"]
    pd.testing.assert_frame_equal(french[columns], iso[columns])
    assert french.loc[0, "structure_id"] == "BOU-EAJE-01"  # identifiers are upper-cased
    assert french.loc[0, "gestionnaire_nature"] == "municipal"  # "Mairie"
    assert french.loc[1, "etp"] == 0.64 and french.loc[0, "date_ouverture"] == pd.Timestamp("2008-09-01")


def test_an_xlsx_inventory_reads_like_its_csv(tmp_path, write_file):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER.strip().split(";"))
    sheet.append(["BOU-EAJE-01", "EAJE", "multi-accueil", "Multi Accueil Célestine", "Allée Levillain", 62160, "Mairie",
                  60, True, None, datetime(2008, 9, 1), None])
    sheet.append(["WRX-RPE-01", "RPE", None, "RPE Les Petits Loups", "4, Rue du Tennis", "62893", "municipal", None,
                  False, 0.64, date(2009, 1, 15), None])
    path = tmp_path / "Inventaire structures 2024.xlsx"
    workbook.save(path)
    from_xlsx = read_inventory(path)
    from_csv = read_inventory(write_file("inventaire.csv", HEADER + EAJE + RPE))
    columns = ["structure_id", "type", "code_commune", "places", "psu", "etp", "date_ouverture", "gestionnaire"]
    pd.testing.assert_frame_equal(from_xlsx[columns], from_csv[columns])
    assert list(from_xlsx.ligne) == [2, 3]  # the sheet's row numbers
    # Recognised by its header, whatever its name.
    assert identify(path, tmp_path).source == "structures_inventaire"


def test_other_names_of_the_types(write_file):
    """Relais assistants maternels (RAM) became RPE in 2021; spreadsheets keep both spellings."""
    path = write_file("inventaire.csv", "structure_id;type;nom;commune_insee\nA;RAM;Relais;62160\n"
                                        "B;Micro-crèche;Les Lutins;62075\nC;Espace de vie sociale;Marelle;62160\n")
    assert list(read_inventory(path).type) == ["RPE", "MICRO_CRECHE_PAJE", "EVS"]


def test_social_life_and_alsh_columns(write_file):
    path = write_file("centres.csv", "structure_id;type;nom;commune_insee;agrement;zone;dispositifs;periscolaire;mercredi;"
                                     "extrascolaire;ete\n"
                                     "CS1;centre social;Le Nautilus;62160;AGC;QPV ZSP;ACF, REAAP, PS JEUNES, Numérique;;;;\n"
                                     "EVS2;EVS;Henriville;62667;projet;;;;;;\n"
                                     "AL3;ALSH;ALSH Eté;62235;;;;non;non;0;1\n")
    frame = read_inventory(path)
    assert list(frame.type) == ["CENTRE_SOCIAL", "EVS", "ALSH"]
    assert frame.loc[0, "zone"] == "QPV,ZSP" and frame.loc[0, "dispositifs"] == "ACF,REAAP,PS_JEUNES,NUMERIQUE"
    assert frame.loc[1, "agrement"] == "projet"
    assert list(frame.loc[2, ["periscolaire", "mercredi", "extrascolaire", "ete"]]) == [False, False, False, True]


@pytest.mark.parametrize(
    "row, expected",
    [
        ("X1;CRECHE;;Crèche;;62160;;10;oui;;;\n", (3, "type", "type_connu")),
        ("X1;EAJE;;Crèche;;62160;;10;peut-être;;;\n", (3, "psu", "booleen")),
        ("X1;EAJE;;Crèche;;62160;;10;oui;;31/02/2020;\n", (3, "date_ouverture", "date")),
        ("X1;EAJE;;Crèche;;96160;;10;oui;;;\n", (3, "commune_insee", "code_commune_inconnu")),
        ("X1;EAJE;;;;62160;;10;oui;;;\n", (3, "nom", "valeur_obligatoire")),
        ("X1;EAJE;;Crèche;;62160;;dix;oui;;;\n", (3, "places", "comptage_entier")),
        (EAJE.upper(), (3, "structure_id", "cle_unique")),
    ],
)
def test_a_bad_inventory_row_is_refused_with_line_column_and_rule(write_file, row, expected):
    """The bad row is line 3 (after the header and a good row)."""
    path = write_file("inventaire.csv", HEADER + EAJE + row)
    assert rejected(read_inventory, path) == expected


@pytest.mark.parametrize(
    "row, expected",
    [
        ("M1;MAM;;MAM des Lutins;;62894;association;17;non;;2020-01-01;\n", ("places", "places_mam")),
        ("E2;EAJE;;Crèche;;62160;municipal;;oui;;2020-01-01;\n", ("places", "places_agrement")),
        ("E2;MICRO_CRECHE_PAJE;;Micro;;62160;entreprise;0;non;;2020-01-01;\n", ("places", "places_positives")),
        ("E3;EAJE;;Crèche;;62160;municipal;20;oui;;2020-09-01;31/08/2020\n", ("date_ouverture", "fermeture_apres_ouverture")),
    ],
)
def test_inventory_quality_rules(write_file, row, expected):
    frame = read_inventory(write_file("inventaire.csv", HEADER + EAJE + row))
    assert violations(frame, inventory_rules()) == [(3, *expected)]


def test_activity_measures_and_their_rules(write_file):
    path = write_file("activite.csv", ACTIVITY + "BOU-EAJE-01;2019;taux_occupation;61,04\nBOU-EAJE-01;2019;places;60\n"
                                                  "BAI-MICRO-01;2019;enfants_inscrits_commune_62075;14\n")
    frame = read_activity(path)
    assert list(frame.mesure) == ["taux_occupation", "places", "enfants_inscrits_commune"]
    assert frame.loc[2, "code_commune_residence"] == "62075" and frame.loc[0, "valeur"] == 61.04
    bad = write_file("bad.csv", ACTIVITY + "BOU-EAJE-01;2019;taux_occupation;120\n")
    assert [(v.line, v.rule) for v in quality.validate(SOURCES["structures_activite"].suite(None, read_activity(bad)),
                                                       read_activity(bad), "bad.csv")] == [(2, "taux_occupation")]
    assert rejected(read_activity, write_file("m.csv", ACTIVITY + "X;2019;places_ouvertes;3\n")) == (2, "mesure", "mesure_connue")
    assert rejected(read_activity, write_file("d.csv", ACTIVITY + "X;2019;places;3\nX;2019;places;4\n")) == (
        3, "mesure", "cle_unique")


def test_funding_for_a_structure_or_a_commune(write_file):
    frame = read_funding(write_file("financements.csv", "structure_id;commune_insee;annee;dispositif;montant_eur\n"
                                                        "CS1;;2017;PS;83 296,50 €\n;62160;2017;bonus ctg;12000\n"))
    assert list(frame.dispositif) == ["PS", "BONUS_CTG"] and list(frame.montant_eur) == [83296.5, 12000.0]
    assert frame.structure_id.isna().tolist() == [False, True]
    neither = write_file("f.csv", "structure_id;commune_insee;annee;dispositif;montant_eur\n;;2017;PS;10\n")
    assert rejected(read_funding, neither) == (2, "structure_id", "valeur_obligatoire")
    scheme = write_file("g.csv", "structure_id;commune_insee;annee;dispositif;montant_eur\nCS1;;2017;PSU;10\n")
    assert rejected(read_funding, scheme) == (2, "dispositif", "dispositif_connu")
    assert frame.nb_actions.isna().all()  # without the optional column, each line counts as one (dbt)


def test_funding_lines_may_say_how_many_actions_or_projects_they_fund(write_file):
    header = "structure_id;commune_insee;annee;dispositif;montant_eur;nb_actions\n"
    frame = read_funding(write_file("financements.csv", header + "CS1;;2020;REAAP;320;4\n;62160;2020;FPT;5000;\n"))
    assert frame.nb_actions.tolist() == [4, pd.NA]
    assert rejected(read_funding, write_file("n.csv", header + "CS1;;2020;FPT;5000;deux\n")) == (
        2, "nb_actions", "comptage_entier")


def ingest(name, landing, tmp_path):
    return ingest_source(SOURCES[name], discover(landing), tmp_path / "build.duckdb", tmp_path / "quarantine",
                         keep_originals=False, log=lambda _m: None)


def test_activity_for_a_structure_missing_from_the_inventory_is_refused(tmp_path, write_file):
    landing = tmp_path / "landing"
    write_file("landing/inventaire.csv", HEADER + EAJE + RPE)
    write_file("landing/activite_2019.csv", ACTIVITY + "BOU-EAJE-01;2019;places;60\nWRX-RPE-02;2019;etp;1\n")
    assert ingest("structures_inventaire", landing, tmp_path).ok
    report = ingest("structures_activite", landing, tmp_path)
    [violation] = report.violations
    assert (violation.file, violation.line, violation.column, violation.rule) == (
        "activite_2019.csv", 3, "structure_id", "structure_connue")
    assert "WRX-RPE-02" in violation.message and report.quarantined
    with duckdb.connect(str(tmp_path / "build.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.structures_activite").fetchone() == (0,)


def test_inventory_in_one_file_per_kind_and_two_files_of_one_kind(tmp_path, write_file):
    landing = tmp_path / "landing"
    write_file("landing/eaje.csv", HEADER + EAJE)
    write_file("landing/rpe.csv", HEADER + RPE)
    report = ingest("structures_inventaire", landing, tmp_path)
    assert report.ok and report.rows_loaded == 2
    # A second file giving EAJE rows: which one is current cannot be guessed.
    write_file("landing/eaje_corrige.csv", HEADER + EAJE.replace(";60;", ";62;"))
    report = ingest("structures_inventaire", landing, tmp_path)
    assert [v.rule for v in report.violations] == ["fichier_unique"]
