"""A source flagged personal never leaves ingestion in clear.

The shared refresh (conftest.py) loads a fake personal source (dossiers with owner names,
addresses and dossier numbers) beside the sample; its ingest step then runs again here on
files that break its contract. The clear values are then searched in everything the
warehouse wrote: the build and published databases (every text column of every table, and
their bytes), the Parquet copies, the refresh's log, the quarantine and Dagster's storage.
"""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import duckdb
import pytest
from personal_source import CLEAR_VALUES, DUPLICATE, FAKE_PERSONAL, SHIFTED, SOURCES_WITH_PERSONAL, TOO_MANY

from orchestration.cli import failure_report
from orchestration.ingest.assets import build_landing_assets
from orchestration.resources import CtgSettingsResource
from orchestration.settings import Settings


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
def rejected(refreshed, isolated_env):
    """The ingest step of the personal source, on the shared landing with three files that
    break its contract, in the shared refresh's Dagster storage: the lines `ctg refresh`
    prints for its failed check."""
    for name, text in [("dossiers_fictifs_2024.csv", DUPLICATE), ("dossiers_fictifs_2024_corrige.csv", SHIFTED),
                       ("dossiers_fictifs_2025.csv", TOO_MANY)]:
        (refreshed.landing / name).write_text(text, encoding="utf-8")
    settings = settings_of(refreshed)
    [step] = [a for a in build_landing_assets(SOURCES_WITH_PERSONAL) if a.key.path[-1] == FAKE_PERSONAL.name]
    isolated_env.setenv("DAGSTER_HOME", str(refreshed.dagster_home))
    isolated_env.setenv("CTG_PSEUDO_KEY", "cle-de-test-ne-pas-utiliser")
    try:
        with dg.DagsterInstance.get() as instance:
            result = dg.materialize([step], instance=instance, raise_on_error=False,
                                    resources={"ctg": CtgSettingsResource.from_settings(settings)})
    finally:
        isolated_env.delenv("DAGSTER_HOME")
        isolated_env.delenv("CTG_PSEUDO_KEY")
    return result, "\n".join(failure_report(result, settings))


def settings_of(refreshed) -> Settings:
    return Settings(landing_dir=refreshed.landing, warehouse=refreshed.warehouse, territory_epci="246200729")


def test_the_personal_source_is_loaded_as_tokens(refreshed):
    with duckdb.connect(str(settings_of(refreshed).build_db), read_only=True) as con:
        rows = con.execute("select numero_dossier, adresse, logements from raw.dossiers_fictifs "
                           "where annee = 2023 order by ligne").fetchall()
    assert [len(dossier) for dossier, _a, _l in rows] == [64, 64, 64]  # HMAC-SHA256, hexadecimal
    assert rows[0][1] == rows[1][1] != rows[2][1]  # "12 rue des Lilas" and "12 R. des lilas": one dwelling
    assert [logements for *_k, logements in rows] == [2, 1, 4]


def test_files_breaking_the_contract_are_reported_without_their_content(refreshed, rejected):
    result, error = rejected
    assert not result.success
    assert "fichier dossiers_fictifs_2024.csv, ligne 3, colonne numero_dossier" in error
    assert "fichier dossiers_fictifs_2024_corrige.csv, ligne 2, colonne code_commune" in error
    assert "fichier dossiers_fictifs_2025.csv, ligne 2, colonne logements" in error  # the GX rule
    assert error.count("contenu masqué : données personnelles") == 3
    # The reports are in the quarantine; the files themselves stay in the landing folder.
    quarantine = refreshed.root / "quarantine"
    reports = sorted(p.name for p in quarantine.rglob("dossiers_fictifs*.rapport.txt"))
    assert reports == ["dossiers_fictifs_2024.csv.rapport.txt", "dossiers_fictifs_2024_corrige.csv.rapport.txt",
                       "dossiers_fictifs_2025.csv.rapport.txt"]
    assert not [p for p in quarantine.rglob("dossiers_fictifs*.csv")]
    assert (refreshed.landing / "dossiers_fictifs_2024.csv").exists()


def test_no_clear_value_is_written_anywhere(refreshed, rejected):
    settings = settings_of(refreshed)
    cells = text_cells(settings.build_db) + text_cells(settings.warehouse)
    assert [v for v in cells if any(clear in v for clear in CLEAR_VALUES)] == []
    written = [p for p in refreshed.root.rglob("*") if p.is_file() and refreshed.landing not in p.parents]
    assert any(p.suffix == ".db" for p in written)  # Dagster's SQLite storage is among them
    assert any(p.suffix == ".log" for p in written)  # and the refresh's log
    leaks = [(p.relative_to(refreshed.root), clear) for p in written for clear in CLEAR_VALUES
             if clear.encode() in p.read_bytes()]
    assert leaks == []
