"""A source flagged personal never leaves ingestion in clear.

A small fake personal source (dossiers with owner names, addresses and dossier numbers) is
added to the registry's sources for one refresh of the sample, then a second run brings two
files that break its contract. The clear values are then searched in everything the
warehouse wrote: the build and published databases (every text column of every table, and
their bytes), the Parquet copies, the logs, the quarantine and Dagster's storage.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd
import pytest

from ingest.csvfile import map_columns, parse_counts, read_text_table
from ingest.geo import normalise_commune_codes, reject_duplicates
from ingest.registry import SOURCE_LIST, SourceSpec, by_years, named
from orchestration.definitions import FULL_REFRESH_JOB, build_definitions
from orchestration.settings import Settings

SAMPLE_DIR = Path(__file__).resolve().parents[2] / "data" / "sample"
COLUMNS = ["numero_dossier", "proprietaire", "adresse", "code_commune", "annee", "logements"]
HEADER = ";".join(COLUMNS)
GOOD = f"""{HEADER}
PDL-2023-0042;DUPONT Marcel;12 rue des Lilas;62160;2023;2
PDL-2023-0043;Dupont marcel;12 R. des lilas;62160;2023;1
PDL-2023-0044;LEFEBVRE Jeanne;3 bd Daunou;62643;2023;4
"""
DUPLICATE = f"""{HEADER}
PDL-2024-0051;MARTIN Sophie;7 avenue Kennedy;62160;2024;1
PDL-2024-0051;MARTIN Sophie;7 avenue Kennedy;62160;2024;1
"""
SHIFTED = f"""{HEADER}
PDL-2024-0077;62160;2024;BERNARD Lucien;1;2
"""
CLEAR_VALUES = ["PDL-2023-0042", "DUPONT", "Dupont", "Lilas", "lilas", "LEFEBVRE", "Daunou", "PDL-2024-0051", "MARTIN",
                "Kennedy", "PDL-2024-0077", "BERNARD"]


def read_dossiers(extract) -> pd.DataFrame:
    table = read_text_table(extract.path)
    columns = map_columns(table, COLUMNS)
    reject_duplicates(table, table.frame[[columns["numero_dossier"]]], columns["numero_dossier"], "dossier présent deux fois")
    return pd.DataFrame({
        "numero_dossier": table.frame[columns["numero_dossier"]],
        "proprietaire": table.frame[columns["proprietaire"]],
        "adresse": table.frame[columns["adresse"]],
        "code_commune": normalise_commune_codes(table, columns["code_commune"]),
        "annee": parse_counts(table, "annee", columns["annee"], allow_blank=False),
        "logements": parse_counts(table, "logements", columns["logements"], allow_blank=False),
        "ligne": table.frame["_ligne"],
    })


FAKE_PERSONAL = SourceSpec(
    name="dossiers_fictifs",
    label="Dossiers fictifs (test)",
    description="Source personnelle fictive des tests.",
    columns=("numero_dossier varchar, proprietaire varchar, adresse varchar, code_commune varchar not null, "
             "annee integer not null, logements bigint, ligne bigint not null"),
    recognise=named("dossiers_fictifs", lambda path: path.name.startswith("dossiers_fictifs")),
    read=read_dossiers,
    unit=by_years("dossiers"),
    personal=True,
    identifying={"numero_dossier": "identifiant", "proprietaire": "texte", "adresse": "adresse"},
)


def text_cells(database: Path) -> list[str]:
    """Every text value of every table of a DuckDB file."""
    values = []
    with duckdb.connect(str(database), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type = 'VARCHAR' and table_catalog = current_database()"
        ).fetchall()
        for schema, table, column in columns:
            values += [v for (v,) in con.execute(f'select distinct "{column}" from "{schema}"."{table}"').fetchall() if v]
    return values


@pytest.fixture(scope="module")
def personal_refresh(tmp_path_factory):
    root = tmp_path_factory.mktemp("personal")
    landing = root / "landing"
    shutil.copytree(SAMPLE_DIR, landing)
    (landing / "dossiers_fictifs_2023.csv").write_text(GOOD, encoding="utf-8")
    settings = Settings(landing_dir=landing, warehouse=root / "warehouse" / "ctg.duckdb", territory_epci="246200729")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CTG_PSEUDO_KEY", "cle-de-test-ne-pas-utiliser")
        (root / "dagster").mkdir()
        instance = dg.DagsterInstance.local_temp(tempdir=str(root / "dagster"))
        defs = build_definitions(settings, sources=[*SOURCE_LIST, FAKE_PERSONAL])
        first = defs.resolve_job_def(FULL_REFRESH_JOB).execute_in_process(instance=instance, raise_on_error=False)
        (landing / "dossiers_fictifs_2024.csv").write_text(DUPLICATE, encoding="utf-8")
        (landing / "dossiers_fictifs_2024_corrige.csv").write_text(SHIFTED, encoding="utf-8")
        second = defs.resolve_job_def(FULL_REFRESH_JOB).execute_in_process(instance=instance, raise_on_error=False)
        instance.dispose()
    return root, settings, first, second


def test_the_personal_source_is_loaded_as_tokens(personal_refresh):
    _root, settings, first, _second = personal_refresh
    assert first.success
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        rows = con.execute("select numero_dossier, adresse, logements from raw.dossiers_fictifs order by ligne").fetchall()
    assert [len(dossier) for dossier, _a, _l in rows] == [64, 64, 64]  # HMAC-SHA256, hexadecimal
    assert rows[0][1] == rows[1][1] != rows[2][1]  # "12 rue des Lilas" and "12 R. des lilas": one dwelling
    assert [logements for *_k, logements in rows] == [2, 1, 4]


def test_files_breaking_the_contract_are_reported_without_their_content(personal_refresh):
    root, settings, _first, second = personal_refresh
    assert not second.success
    [evaluation] = [e for e in second.get_asset_check_evaluations() if e.asset_key.path[-1] == "dossiers_fictifs"]
    anomalies = str(evaluation.metadata["anomalies"].value)
    assert "fichier dossiers_fictifs_2024.csv, ligne 3, colonne numero_dossier" in anomalies
    assert "fichier dossiers_fictifs_2024_corrige.csv, ligne 2, colonne code_commune" in anomalies
    assert "contenu masqué : données personnelles" in anomalies
    # The reports are in the quarantine; the files themselves stay in the landing folder.
    reports = sorted(p.name for p in (root / "quarantine").rglob("*.rapport.txt"))
    assert reports == ["dossiers_fictifs_2024.csv.rapport.txt", "dossiers_fictifs_2024_corrige.csv.rapport.txt"]
    assert not [p for p in (root / "quarantine").rglob("dossiers_fictifs*.csv")]
    assert (settings.landing_dir / "dossiers_fictifs_2024.csv").exists()


def test_no_clear_value_is_written_anywhere(personal_refresh):
    root, settings, _first, _second = personal_refresh
    cells = text_cells(settings.build_db) + text_cells(settings.warehouse)
    assert [v for v in cells if any(clear in v for clear in CLEAR_VALUES)] == []
    written = [p for p in root.rglob("*") if p.is_file() and settings.landing_dir not in p.parents]
    assert any(p.suffix == ".db" for p in written)  # Dagster's SQLite storage is among them
    leaks = [(p.relative_to(root), clear) for p in written for clear in CLEAR_VALUES
             if clear.encode() in p.read_bytes()]
    assert leaks == []
