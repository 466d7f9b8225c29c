"""The follow-up file of the action plan (SOURCES.md §8): read in every spelling a
coordinator's spreadsheet produces, checked against the plan's reference data, and a later
file corrects an earlier one."""

import os

import duckdb
import pytest
from openpyxl import Workbook

from ingest.discovery import discover, identify
from ingest.errors import ContractError
from ingest.pipeline import ingest_source
from ingest.registry import SOURCES
from ingest.sources.suivi_plan import period, read_follow_up, reference

HEADER = "axe;objectif;indicateur_code;annee;valeur;commentaire;statut\n"
GOOD = "4;OG3;a4_jeunes_accompagnes;2022;135;;\n"


def rejected(path):
    with pytest.raises(ContractError) as error:
        read_follow_up(path)
    violation = error.value.violations[0]
    return violation.line, violation.column, violation.rule, violation.message


def test_the_reference_has_the_36_indicators_of_annexe_3_and_the_convention_years():
    indicators = reference()
    assert len(indicators) == 36
    assert {i["nature"] for i in indicators.values()} == {"quantitatif", "qualitatif", "binaire"}
    assert sorted({int(i["axe"]) for i in indicators.values()}) == list(range(1, 13))
    assert indicators["a12_etp_coordination"]["valeur_reference"] == "7.1"
    assert period() == (2021, 2025)


def test_spreadsheet_spellings_are_read_alike(write_file):
    path = write_file("suivi.csv", HEADER + GOOD
                      + "Axe 2;OG 2;A2_Reseau_RPE_Officialise;2022;oui;Réseau signé en COPIL;Réalisé\n"
                      + "3;Objectif général 6;a3_recrutement_echanges;2022;;;En cours\n"
                      + "5;og1;a5_pole_ressource;2022;;;non démarré\n", encoding="cp1252")
    frame = read_follow_up(path)
    assert list(frame.indicateur_code) == ["a4_jeunes_accompagnes", "a2_reseau_rpe_officialise",
                                           "a3_recrutement_echanges", "a5_pole_ressource"]
    assert list(frame.axe) == [4, 2, 3, 5] and list(frame.objectif) == ["OG3", "OG2", "OG6", "OG1"]
    assert list(frame.statut.fillna("")) == ["", "realise", "en_cours", "non_demarre"]
    # A yes/no indicator is 1 when realised, 0 otherwise; a qualitative one has no figure.
    assert frame.valeur.tolist()[:2] == [135.0, 1.0] and frame.valeur.isna().tolist()[2] and frame.valeur[3] == 0
    assert frame.commentaire[1] == "Réseau signé en COPIL"


def test_an_xlsx_follow_up_is_recognised_by_its_header(tmp_path):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["axe", "objectif", "indicateur_code", "annee", "valeur", "statut", "valide_copil_le", "porteur"])
    sheet.append([9, "OG2", "a9_enfants_accompagnes", 2023, 15, None, "12/12/2023", "CAB"])
    path = tmp_path / "Suivi CTG 2023.xlsx"
    workbook.save(path)
    assert identify(path, tmp_path).source == "suivi_plan_action"
    frame = read_follow_up(path)
    assert frame.valeur.tolist() == [15.0] and str(frame.valide_copil_le[0]) == "2023-12-12"


@pytest.mark.parametrize(
    "row, expected",
    [
        ("4;OG3;a4_jeunes_suivis;2022;135;;\n", ("indicateur_code", "indicateur_connu", "inconnu « a4_jeunes_suivis »")),
        ("10;OG;a10_logements_visites;2022;170;;\n", ("indicateur_code", "indicateur_saisi", "permis_louer")),
        ("3;OG3;a4_situations_reperees;2022;35;;\n", ("axe", "axe_indicateur", "relève de l'axe 4, pas de l'axe 3")),
        ("4;OG3;a4_situations_reperees;2022;35;;\n", ("objectif", "objectif_indicateur", "objectif OG4, pas de OG3")),
        ("4;OG3;a4_jeunes_accompagnes;2019;120;;\n", ("annee", "annee_convention", "(2021–2025)")),
        ("4;OG3;a4_jeunes_accompagnes;2026;120;;\n", ("annee", "annee_convention", "année 2026")),
        ("4;OG4;a4_situations_reperees;2022;;;\n", ("valeur", "valeur_obligatoire", "quantitatif")),
        ("4;OG4;a4_situations_reperees;2022;12,5;;\n", ("valeur", "valeur_entiere", "valeur entière")),
        ("4;OG4;a4_situations_reperees;2022;-3;;\n", ("valeur", "comptage_positif", "négatif")),
        ("3;OG6;a3_recrutement_echanges;2022;4;;en_cours\n", ("valeur", "valeur_qualitative", "statut")),
        ("3;OG6;a3_recrutement_echanges;2022;;;\n", ("statut", "statut_obligatoire", "obligatoire")),
        ("3;OG6;a3_recrutement_echanges;2022;;;presque fini\n", ("statut", "statut_connu", "« presque fini »")),
        ("5;OG1;a5_pole_ressource;2022;1;;en_cours\n", ("valeur", "valeur_binaire", "realise")),
        (GOOD.replace("135", "140"), ("indicateur_code", "cle_unique", "a4_jeunes_accompagnes / 2022")),
    ],
)
def test_a_bad_row_is_refused_with_its_line_column_and_rule(write_file, row, expected):
    """The bad row is line 3, after the header and a good row; messages are French."""
    line, column, rule, message = rejected(write_file("suivi.csv", HEADER + GOOD + row))
    assert (line, column, rule) == (3, *expected[:2])
    assert expected[2] in message


def test_kind_and_unit_columns_are_checked_when_given(write_file):
    header = "axe;objectif;indicateur_code;annee;valeur;nature;unite\n"
    without_status = write_file("a.csv", header + "12;OG;a12_charges_cooperation;2024;1;oui/non;statut\n")
    assert rejected(without_status)[1:3] == ("indicateur_code", "statut_obligatoire")  # no statut column
    assert read_follow_up(write_file("b.csv", header + "9;OG2;a9_enfants_accompagnes;2023;15;Quantitatif;nb\n")).valeur[0] == 15
    assert rejected(write_file("c.csv", header + "9;OG2;a9_enfants_accompagnes;2023;15;qualitatif;nombre\n"))[1:3] == (
        "nature", "nature_indicateur")
    assert rejected(write_file("d.csv", header + "9;OG2;a9_enfants_accompagnes;2023;15;quantitatif;%\n"))[1:3] == (
        "unite", "unite_indicateur")


def ingest(landing, tmp_path):
    return ingest_source(SOURCES["suivi_plan_action"], discover(landing), tmp_path / "build.duckdb",
                         tmp_path / "quarantine", keep_originals=False, log=lambda _m: None)


def figures(tmp_path):
    with duckdb.connect(str(tmp_path / "build.duckdb"), read_only=True) as con:
        return dict(con.execute("select indicateur_code || '/' || annee, valeur from raw.suivi_plan_action").fetchall())


def test_a_later_file_corrects_an_earlier_one(tmp_path, write_file):
    first = write_file("landing/suivi_2022.csv", HEADER + GOOD + "4;OG4;a4_situations_reperees;2022;38;;\n")
    assert ingest(tmp_path / "landing", tmp_path).ok
    # Months later, the coordinators correct one figure in a new file; the old one stays.
    corrected = write_file("landing/correction.csv", HEADER + GOOD.replace("135", "137"))
    os.utime(first, (1_700_000_000, 1_700_000_000))
    os.utime(corrected, (1_710_000_000, 1_710_000_000))
    report = ingest(tmp_path / "landing", tmp_path)
    assert report.files_loaded == ["correction.csv"] and report.files_unchanged == ["suivi_2022.csv"]
    assert figures(tmp_path) == {"a4_jeunes_accompagnes/2022": 137.0, "a4_situations_reperees/2022": 38.0}
    # A refresh that sees nothing new keeps the correction.
    ingest(tmp_path / "landing", tmp_path)
    assert figures(tmp_path)["a4_jeunes_accompagnes/2022"] == 137.0


def test_two_new_files_at_once_are_loaded_oldest_first(tmp_path, write_file):
    newer = write_file("landing/a_suivi_corrige.csv", HEADER + GOOD.replace("135", "137"))
    older = write_file("landing/b_suivi.csv", HEADER + GOOD)
    os.utime(older, (1_700_000_000, 1_700_000_000))
    os.utime(newer, (1_710_000_000, 1_710_000_000))
    report = ingest(tmp_path / "landing", tmp_path)
    assert report.files_loaded == ["b_suivi.csv", "a_suivi_corrige.csv"]
    assert figures(tmp_path) == {"a4_jeunes_accompagnes/2022": 137.0}
