"""The permis de louer and housing-allowance readers: structure errors refuse the file with
its line and column, never quoting a cell; identifiers are tokens before anything else."""

import pandas as pd

from ingest.extract import Extract
from ingest.personal import normalise_address, token
from ingest.pipeline import read_and_check
from ingest.registry import SOURCES
from ingest.sources.permis_louer import read_allowance, read_permis

KEY = b"cle-de-test"
HEADER = "dossier_id;regime;commune_insee;adresse;bailleur_nom;date_depot;date_complet;date_decision;decision\n"
GOOD = "PDL-2021-7;APML;62160;12 r. de la Paix;DURAND Fictif;2021-03-01;05/03/2021;2021-03-20;Autorisation\n"


def test_dates_and_closed_lists_in_every_spelling(write_file):
    frame = read_permis(write_file("permis.csv", HEADER + GOOD, encoding="cp1252"))
    assert frame.loc[0, "decision"] == "AUTORISATION" and frame.loc[0, "regime"] == "APML"
    assert frame.loc[0, "date_complet"] == pd.Timestamp("2021-03-05")
    assert frame.loc[0, "adresse"] == "62160 12 r. de la Paix"  # the commune goes with the address


def test_an_unknown_decision_refuses_the_file_without_quoting_it(write_file):
    path = write_file("permis.csv", HEADER + GOOD + GOOD.replace("PDL-2021-7", "PDL-2021-8").replace("Autorisation", "Validé"))
    _frame, violations = read_and_check(SOURCES["permis_louer"], Extract("permis_louer", path), KEY)
    [violation] = violations
    assert (violation.line, violation.column, violation.rule) == (3, "decision", "decision_connue")
    assert "Validé" not in violation.message and "masqué" in violation.message


def test_identifiers_are_tokens_before_validation(write_file):
    path = write_file("permis.csv", HEADER + GOOD + GOOD.replace("PDL-2021-7", "PDL-2021-9").replace(
        "12 r. de la Paix", "12 RUE DE LA PAIX"))
    frame, violations = read_and_check(SOURCES["permis_louer"], Extract("permis_louer", path), KEY)
    assert violations == []
    assert frame["adresse"].nunique() == 1
    assert frame.loc[0, "adresse"] == token(KEY, normalise_address("62160 12 rue de la paix"))
    assert not frame.astype(str).apply(lambda c: c.str.contains("Paix|DURAND|PDL-2021", case=False)).any().any()


def test_a_duplicate_dossier_and_a_missing_deposit_date(write_file):
    duplicate = write_file("a.csv", HEADER + GOOD + GOOD.replace("PDL-2021-7", "pdl 2021-7"))
    _frame, violations = read_and_check(SOURCES["permis_louer"], Extract("permis_louer", duplicate), KEY)
    assert [(v.line, v.rule) for v in violations] == [(3, "cle_unique")]
    assert "pdl" not in violations[0].message.lower()  # the dossier number is never quoted
    undated = write_file("b.csv", HEADER + GOOD.replace("2021-03-01", ""))
    _frame, violations = read_and_check(SOURCES["permis_louer"], Extract("permis_louer", undated), KEY)
    assert [(v.line, v.column, v.rule) for v in violations] == [(2, "date_depot", "valeur_obligatoire")]


def test_allowance_extract(write_file):
    frame = read_allowance(write_file("al.csv", "adresse;commune_insee;annee;foyers_al\n3 bd Daunou;62160;2022;2\n"))
    assert frame.loc[0, "adresse"] == "62160 3 bd Daunou" and frame.loc[0, "foyers_al"] == 2
