"""`ctg refresh --rebuild` from the archive alone publishes the same content (issue 12)."""

import datetime
import hashlib
import json
import shutil

import duckdb
from personal_source import SOURCES_WITH_PERSONAL

from ingest.archive import INDEX_NAME, Archive
from orchestration.cli import main
from orchestration.settings import Settings


def content_hashes(warehouse) -> dict[str, str]:
    """Each published table's rows, hashed in a stable order."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = con.execute("select schema_name, table_name from duckdb_tables() "
                             "where database_name = current_database() order by all").fetchall()
        return {
            f"{schema}.{table}": hashlib.sha256(
                repr(con.execute(f'select * from "{schema}"."{table}" order by all').fetchall()).encode()
            ).hexdigest()
            for schema, table in tables
        }


def test_a_rebuild_from_the_archive_alone_publishes_the_same_content(refreshed, tmp_path, isolated_env):
    shared = Settings(landing_dir=refreshed.landing, warehouse=refreshed.warehouse, territory_epci="246200729")
    expected = content_hashes(refreshed.warehouse)
    # Another machine: an empty landing folder but for the files holding personal data (never
    # archived, they stay where they were dropped), and a copy of the archive.
    landing = tmp_path / "arrivee"
    landing.mkdir()
    for entry in Archive(shared.archive_dir).entries():
        if not entry.content:
            (landing / entry.path).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(refreshed.landing / entry.path, landing / entry.path)
    rebuilt = Settings(landing_dir=landing, warehouse=tmp_path / "entrepot" / "ctg.duckdb", territory_epci="246200729")
    shutil.copytree(shared.archive_dir, rebuilt.archive_dir)
    # The archive as of the shared warehouse's publication: a later refresh of the shared landing
    # may have loaded a file that failed a dbt test, in the archive but never published.
    published_at = datetime.datetime.fromtimestamp(refreshed.warehouse.stat().st_mtime)
    index = rebuilt.archive_dir / INDEX_NAME
    lines = index.read_text(encoding="utf-8").splitlines()
    index.write_text("".join(f"{line}\n" for line in lines if written_at(line) <= published_at), encoding="utf-8")
    isolated_env.setenv("CTG_PSEUDO_KEY", "cle-de-test-ne-pas-utiliser")

    code = main(["refresh", "--landing", str(landing), "--warehouse", str(rebuilt.warehouse), "--rebuild"],
                sources=SOURCES_WITH_PERSONAL)

    assert code == 0
    differing = sorted(t for t, h in content_hashes(rebuilt.warehouse).items() if expected.get(t) != h)
    assert differing == [], first_differences(refreshed.warehouse, rebuilt.warehouse, differing)


def written_at(line: str) -> datetime.datetime:
    entry = json.loads(line)
    return datetime.datetime.fromisoformat(entry.get("arrived_at") or entry["retire_le"])


def first_differences(expected, actual, tables) -> str:
    with duckdb.connect() as con:
        con.execute("attach ? as attendu (read_only)", [str(expected)])
        con.execute("attach ? as obtenu (read_only)", [str(actual)])
        return "\n".join(
            f"{table}: {con.execute(f'select * from attendu.{table} except select * from obtenu.{table} limit 3').fetchall()}"
            f" devenu {con.execute(f'select * from obtenu.{table} except select * from attendu.{table} limit 3').fetchall()}"
            for table in tables)
