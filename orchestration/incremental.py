"""The incremental refresh: dbt re-runs only the models downstream of the raw tables that changed.

After ingestion, each raw table a dbt source reads is fingerprinted (its row count and an
order-free hash of its rows, load dates included: a file loaded again is a change). The
fingerprints of the last successful refresh of a build database are kept in it
(`raw._derniere_construction`), with a fingerprint of the dbt project and of the settings the
models read. A refresh then runs the dbt assets downstream of the tables whose fingerprint
differs, and publication and the report; everything else in the build database is what the
last successful refresh built from the same inputs.

Everything is recomputed when there is no such record: a new or rebuilt build database, a
last refresh that failed (the record is dropped), or a dbt project or settings that changed
since (a model, a seed, a macro, `--territory`, `--all-departement-communes`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import duckdb

from orchestration.settings import DBT_PROJECT_DIR, Settings

STATE_TABLE = "raw._derniere_construction"
# What dbt reads of its project (not target/ or logs/, which it writes).
PROJECT_PARTS = ("models", "seeds", "macros", "tests", "snapshots", "analyses", "dbt_project.yml", "profiles.yml")


def project_fingerprint(settings: Settings, project_dir: Path = DBT_PROJECT_DIR) -> str:
    """The dbt project's files and the settings its models depend on."""
    digest = hashlib.sha256()
    for part in PROJECT_PARTS:
        root = project_dir / part
        for path in sorted([root] if root.is_file() else root.rglob("*") if root.is_dir() else []):
            if path.is_file():
                digest.update(str(path.relative_to(project_dir)).encode() + b"\0" + path.read_bytes() + b"\0")
    # Not the build database's path: where the file lives does not change what the models hold.
    dbt_vars = {name: value for name, value in settings.dbt_vars().items() if name != "build_db"}
    settings_read = [dbt_vars, settings.territory_epci, settings.departement]
    digest.update(json.dumps(settings_read, sort_keys=True).encode())
    return digest.hexdigest()


def table_fingerprints(con: duckdb.DuckDBPyConnection, tables: list[str]) -> dict[str, str]:
    """`schema.table` → row count and order-free hashes of its rows ('absente' when missing)."""
    existing = {f"{schema}.{name}" for schema, name in con.execute(
        "select schema_name, table_name from duckdb_tables() where database_name = current_database()").fetchall()}
    found = {}
    for table in tables:
        if table not in existing:
            found[table] = "absente"
            continue
        count, xor, total = con.execute(
            f"select count(*), bit_xor(hash(t)), sum(hash(t)::hugeint) from {table} as t").fetchone()
        found[table] = f"{count}:{xor}:{total}"
    return found


def has_record(settings: Settings) -> bool:
    """Whether the build database records a successful refresh of this project and settings."""
    if not settings.build_db.is_file():
        return False
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        record = read_record(con)
    return record is not None and record.get("projet") == project_fingerprint(settings)


def changed_tables(settings: Settings, tables: list[str]) -> set[str] | None:
    """The tables whose content differs from the last successful refresh; None when
    everything must be recomputed (no record, or another project or settings)."""
    if not settings.build_db.is_file():
        return None
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        record = read_record(con)
        if record is None or record.get("projet") != project_fingerprint(settings):
            return None
        now = table_fingerprints(con, tables)
    before = record.get("tables", {})
    return {table for table in tables if now[table] != before.get(table)}


def read_record(con: duckdb.DuckDBPyConnection) -> dict | None:
    schema, name = STATE_TABLE.split(".")
    if not con.execute("select 1 from duckdb_tables() where database_name = current_database() "
                       "and schema_name = ? and table_name = ?", [schema, name]).fetchone():
        return None
    row = con.execute(f"select etat from {STATE_TABLE}").fetchone()
    return json.loads(row[0]) if row else None


def record_success(settings: Settings, tables: list[str]) -> None:
    """What this successful refresh was built from, for the next one."""
    with duckdb.connect(str(settings.build_db)) as con:
        record = {"projet": project_fingerprint(settings), "tables": table_fingerprints(con, tables)}
        con.execute(f"create or replace table {STATE_TABLE} as select ? as etat, current_timestamp as enregistre_le",
                    [json.dumps(record)])


def forget(settings: Settings) -> None:
    """After a failed refresh, the next one recomputes everything."""
    if settings.build_db.is_file():
        with duckdb.connect(str(settings.build_db)) as con:
            con.execute(f"drop table if exists {STATE_TABLE}")
