import dataclasses

import pandas as pd
import pytest

from ingest import personal
from ingest.discovery import discover
from ingest.errors import ContractViolation
from ingest.pipeline import ingest_source
from ingest.registry import SOURCES


@pytest.mark.parametrize(("one", "other"), [
    ("12 rue des Lilas", "12 R. des lilas"),
    ("3 bis bd Daunou", "3 BIS  Boulevard DAUNOU"),
    ("5 av. de l'Écluse", "5 avenue de l ecluse"),
    ("1 pl. St-Nicolas", "1 place saint nicolas"),
])
def test_one_dwelling_written_two_ways_gets_one_token(one, other):
    assert personal.normalise_address(one) == personal.normalise_address(other)
    frame = pd.DataFrame({"adresse": [one, other]})
    tokens = personal.pseudonymise(frame, {"adresse": "adresse"}, b"k")["adresse"].tolist()
    assert tokens[0] == tokens[1] and len(tokens[0]) == 64


def test_tokens_depend_on_the_key_and_blanks_stay_null():
    frame = pd.DataFrame({"proprietaire": ["DUPONT Marcel", " ", None]})
    first = personal.pseudonymise(frame, {"proprietaire": "texte"}, b"one")["proprietaire"]
    second = personal.pseudonymise(frame, {"proprietaire": "texte"}, b"two")["proprietaire"]
    assert first[0] != second[0]
    assert first[1:].isna().all()


def test_the_key_comes_from_the_environment_and_only_the_sample_has_a_default(monkeypatch):
    monkeypatch.delenv(personal.KEY_VARIABLE, raising=False)
    assert personal.key_from_environment(use_sample=False) is None
    assert personal.key_from_environment(use_sample=True) == personal.DEVELOPMENT_KEY
    monkeypatch.setenv(personal.KEY_VARIABLE, "secret")
    assert personal.key_from_environment(use_sample=True) == b"secret"


@pytest.mark.parametrize(("message", "redacted"), [
    ("valeur non numérique « DUPONT » dans une colonne de comptage", "valeur non numérique"),
    ("dossier présent deux fois en double : PDL-2023-0042", "dossier présent deux fois en double"),
    ("valeur vide dans une colonne obligatoire", "valeur vide dans une colonne obligatoire"),
])
def test_a_redacted_violation_keeps_place_and_rule_not_content(message, redacted):
    violation = personal.redact(ContractViolation("f.csv", "regle", message, line=3, column="adresse"), {"adresse"})
    assert str(violation).startswith(f"fichier f.csv, ligne 3, colonne adresse : {redacted}")
    assert violation.rule == "regle"
    assert "DUPONT" not in str(violation) and "PDL" not in str(violation)


def test_a_personal_source_without_a_key_is_refused_and_its_file_left_alone(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    path = landing / "extrait_partenaire_caf.csv"
    path.write_text("code_commune;annee;variable;valeur\n62160;2019;am_actives;10\n", encoding="utf-8")
    spec = dataclasses.replace(SOURCES["caf_partenaire"], personal=True, identifying={"variable": "texte"})

    report = ingest_source(spec, discover(landing), tmp_path / "build.duckdb", tmp_path / "q", False,
                           log=lambda _m: None, pseudo_key=None)

    assert [v.rule for v in report.violations] == ["cle_pseudonymisation"]
    assert "CTG_PSEUDO_KEY" in report.violations[0].message
    assert path.exists() and not (tmp_path / "q").exists()


def test_a_column_named_by_a_cell_is_masked_too():
    # A file without its header line: its first row of values is read as the header.
    violation = personal.redact(ContractViolation("f.csv", "structure_csv", "colonne présente deux fois dans l'en-tête",
                                                  line=1, column="DUPONT Marcel"), {"adresse", "proprietaire"})
    assert "DUPONT" not in str(violation) and violation.column == "(masquée)"
