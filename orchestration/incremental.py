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

The three largest models (`int_communes__variables`, `int_indicateurs__communes`,
`marts.indicateurs`) are also incremental by year. A figure of a year depends only on inputs
of that year and earlier ones (the population of the latest census year at or before it, the
children of the four years before for the childminders, the figure of 1, 3 and 5 years
before for the variations). So when only some years of the `yearly` sources of the registry
changed (fingerprinted per year as well), those models recompute the years from the earliest
changed one on: dbt deletes them and appends them again (`RECOMPUTE_TABLE` holds that year).
Anything else rebuilds them whole (dbt's `--full-refresh`): another source that changed, a
commune named differently (a name is that of every year), or no record.

The two of them keyed by indicator (`int_indicateurs__communes`, `marts.indicateurs`) are
also incremental by indicator. A yearly source with a `part_column` (the legacy theme, the
portal data set) is fingerprinted per kind and year too; when only some kinds changed, the
prefixes of `int_communes__variables` their staging models feed are written next to the year
(a corrected NIVCOMTOTAL file: `nivcom`), and those models recompute only the indicators those
prefixes feed (macros/incremental.sql): 4 of the 68 commune indicators for `nivcom`.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb

from orchestration.settings import DBT_PROJECT_DIR, Settings

STATE_TABLE = "raw._derniere_construction"
# The first year the year-incremental models recompute (macros/incremental.sql reads it).
RECOMPUTE_TABLE = "raw._recalcul_depuis"
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
    # Not the databases' paths: where the files live does not change what the models hold.
    dbt_vars = {name: value for name, value in settings.dbt_vars().items() if name not in ("build_db", "marts_db")}
    settings_read = [dbt_vars, settings.territory_epci, settings.departement]
    digest.update(json.dumps(settings_read, sort_keys=True).encode())
    return digest.hexdigest()


# What says where a commune's name comes from in a yearly table (int_communes__libelles takes
# the names of some legacy themes, special rows aside, and of the populations).
NAME_COLUMNS = ("theme", "jeu", "est_special", "code_commune", "libelle_commune")


def table_fingerprints(con: duckdb.DuckDBPyConnection, tables: list[str], yearly: tuple[str, ...] = (),
                       parts: dict[str, str] | None = None, before: dict | None = None) -> dict:
    """{"tables": `schema.table` → row count and order-free hashes of its rows ('absente' when
    missing); "annees": the same per year of each `yearly` table, without the load time (a
    source that loads all its files again when one is new, as the portal does, changes only
    the years of that file); "parties": the same per kind of row and year, for the yearly
    tables of `parts` (table → the column naming the kind); "noms": the hash of the distinct
    names of communes of the yearly tables, with the columns that say which rows they come
    from; "noms_groupes": the hashes of those columns per year and kind of row}.

    `before`: the fingerprints of the last successful refresh. A table whose names hash the
    same in every year and kind as then keeps its "noms" of then, without the distinct names
    being hashed again (0.35 s for the national legacy table)."""
    existing: dict[str, list[str]] = {}
    for schema, name, column in con.execute(
            "select schema_name, table_name, column_name from duckdb_columns() "
            "where database_name = current_database() order by schema_name, table_name, column_index").fetchall():
        existing.setdefault(f"{schema}.{name}", []).append(column)
    found: dict = {"tables": {}, "annees": {}, "parties": {}, "noms": {}, "noms_groupes": {}}
    for table in tables:
        if table not in existing:
            found["tables"][table] = "absente"
            continue
        if table not in yearly or "annee" not in existing[table]:
            count, xor, total = con.execute(
                f"select count(*), bit_xor(hash(t)), sum(hash(t)::hugeint) from {table} as t").fetchone()
            found["tables"][table] = f"{count}:{xor}:{total}"
            continue
        row = "hash(" + ", ".join(f'"{column}"' for column in existing[table] if column != "loaded_at") + ")"
        part = (parts or {}).get(table)
        part = part if part in existing[table] else None
        kind = f'"{part}"' if part else "null"
        named = {"code_commune", "libelle_commune"} <= set(existing[table])
        name_columns = ", ".join(column for column in NAME_COLUMNS if column in existing[table])
        names = f"hash({name_columns})" if named else "null::ubigint"
        by_part = con.execute(f"select annee, {kind}, count(*), bit_xor({row}), sum({row}::hugeint), "
                              f"bit_xor({names}), sum({names}::hugeint) from {table} group by all").fetchall()
        # A year's hashes are those of its kinds combined (xor and sum add up).
        year_sums: dict[int, list[int]] = {}
        name_groups = {f"{year}/{kind}": f"{names_xor}:{names_total}"
                       for year, kind, _count, _xor, _total, names_xor, names_total in by_part}
        for year, kind, count, xor, total, _names_xor, _names_total in by_part:
            sums = year_sums.setdefault(year, [0, 0, 0])
            sums[0], sums[1], sums[2] = sums[0] + count, sums[1] ^ xor, sums[2] + total
            if part:
                found["parties"].setdefault(table, {}).setdefault(str(kind), {})[str(year)] = f"{count}:{xor}:{total}"
        years = [(year, *sums) for year, sums in year_sums.items()]
        found["annees"][table] = {str(year): f"{count}:{xor}:{total}" for year, count, xor, total in years}
        xor_all = 0
        for _year, _count, xor, _total in years:
            xor_all ^= xor
        found["tables"][table] = (f"{sum(row[1] for row in years)}:{xor_all if years else None}:"
                                  f"{sum(row[3] for row in years) if years else None}")
        if named:
            found["noms_groupes"][table] = name_groups
            previous = before or {}
            if previous.get("noms_groupes", {}).get(table) == name_groups and table in previous.get("noms", {}):
                found["noms"][table] = previous["noms"][table]
            else:
                found["noms"][table] = str(con.execute(
                    f"select count(*), bit_xor(hash({name_columns})) from (select distinct {name_columns} from {table})"
                ).fetchone())
    return found


@dataclass(frozen=True)
class Changes:
    tables: set[str]  # the raw tables whose rows differ from the last successful refresh
    since_year: int | None  # the year-incremental models recompute from it on; None: whole
    fingerprints: dict  # of the raw tables now, recorded after a successful refresh
    # The prefixes of int_communes__variables fed by the kinds of rows that changed: the models
    # keyed by indicator recompute only the indicators they feed. None: every indicator.
    prefixes: list[str] | None = None


def has_record(settings: Settings) -> bool:
    """Whether the build database records a successful refresh of this project and settings
    (and the marts it built are still there)."""
    if not settings.build_db.is_file() or not settings.marts_db.is_file():
        return False
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        record = read_record(con)
    return record is not None and record.get("projet") == project_fingerprint(settings)


@contextlib.contextmanager
def build_database(settings: Settings, held: duckdb.DuckDBPyConnection | None = None,
                   read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """`held`, a connection to the build database the caller keeps open; or one of its own."""
    if held is not None:
        yield held
        return
    with duckdb.connect(str(settings.build_db), read_only=read_only) as con:
        yield con


def changes(settings: Settings, tables: list[str], yearly: tuple[str, ...] = (),
            parts: dict[str, tuple[str, dict[str, list[str]]]] | None = None,
            held: duckdb.DuckDBPyConnection | None = None) -> Changes | None:
    """What differs from the last successful refresh; None when everything must be
    recomputed (no record, or another project or settings). `parts`: yearly table → the
    column naming its kinds of rows, and each kind → the prefixes it feeds. `held`: a
    connection to the build database to use (build_database)."""
    if not settings.build_db.is_file() or not settings.marts_db.is_file():
        return None
    parts = parts or {}
    with build_database(settings, held, read_only=True) as con:
        record = read_record(con)
        if record is None or record.get("projet") != project_fingerprint(settings):
            return None
        now = table_fingerprints(con, tables, yearly, {table: column for table, (column, _) in parts.items()}, record)
    before_tables = record.get("tables", {})
    changed = {table for table in tables if now["tables"][table] != before_tables.get(table)}
    since_year = first_changed_year(record, now, changed)
    prefixes = None
    if since_year is not None:
        prefixes = changed_prefixes(record, now, changed, {table: fed for table, (_, fed) in parts.items()})
    return Changes(changed, since_year, now, prefixes)


def first_changed_year(before: dict, now: dict, changed: set[str]) -> int | None:
    """The earliest year whose rows changed, when only years of yearly tables changed and no
    commune is named differently; None otherwise (or when nothing changed)."""
    years: set[int] = set()
    for table in changed:
        if table not in now["annees"] or table not in before.get("annees", {}):
            return None
        if now["noms"].get(table) != before.get("noms", {}).get(table):
            return None
        old, new = before["annees"][table], now["annees"][table]
        years |= {int(year) for year in old.keys() | new.keys() if old.get(year) != new.get(year)}
    return min(years) if years else None


def changed_prefixes(before: dict, now: dict, changed: set[str], fed: dict[str, dict[str, list[str]]]) -> list[str] | None:
    """The prefixes fed by the kinds of rows that changed, when every changed table is
    fingerprinted per kind and each changed kind is known (`fed`: table → kind → prefixes);
    None otherwise (every indicator is recomputed)."""
    prefixes: set[str] = set()
    for table in changed:
        if table not in fed or table not in now["parties"] or table not in before.get("parties", {}):
            return None
        old, new = before["parties"][table], now["parties"][table]
        for kind in old.keys() | new.keys():
            if old.get(kind) == new.get(kind):
                continue
            if kind not in fed[table]:
                return None
            prefixes.update(fed[table][kind])
    return sorted(prefixes)


def set_recompute_year(settings: Settings, year: int | None, prefixes: list[str] | None = None,
                       held: duckdb.DuckDBPyConnection | None = None) -> None:
    """The first year the year-incremental models recompute in this refresh's dbt run, and
    the prefixes whose indicators they recompute (None: every one). Year None: removed, so
    that a later dbt run by hand recomputes every year and indicator."""
    with build_database(settings, held) as con:
        if year is None:
            con.execute(f"drop table if exists {RECOMPUTE_TABLE}")
        else:
            con.execute(f"create or replace table {RECOMPUTE_TABLE} as select ?::integer as annee, ?::varchar as prefixes",
                        [year, None if prefixes is None else json.dumps(prefixes)])


def exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return con.execute("select 1 from duckdb_tables() where database_name = current_database() "
                       "and schema_name = ? and table_name = ?", [schema, name]).fetchone() is not None


def read_record(con: duckdb.DuckDBPyConnection) -> dict | None:
    if not exists(con, STATE_TABLE):
        return None
    row = con.execute(f"select etat from {STATE_TABLE}").fetchone()
    return json.loads(row[0]) if row else None


def record_success(settings: Settings, tables: list[str], yearly: tuple[str, ...] = (),
                   fingerprints: dict | None = None, parts: dict[str, str] | None = None) -> None:
    """What this successful refresh was built from, for the next one (`fingerprints`: those
    taken after ingestion, when dbt left the raw tables as they were)."""
    with duckdb.connect(str(settings.build_db)) as con:
        record = {"projet": project_fingerprint(settings),
                  **(fingerprints or table_fingerprints(con, tables, yearly, parts))}
        con.execute(f"create or replace table {STATE_TABLE} as select ? as etat, current_timestamp as enregistre_le",
                    [json.dumps(record)])


def mark_in_progress(settings: Settings, held: duckdb.DuckDBPyConnection | None = None) -> None:
    """Before dbt changes the models: the record is replaced by a mark, so that a refresh killed
    from now on is followed by a whole one, whatever its raw tables then hold."""
    with build_database(settings, held) as con:
        con.execute(f"create or replace table {STATE_TABLE} as select ? as etat, current_timestamp as enregistre_le",
                    [json.dumps({"en_cours": True})])


def forget(settings: Settings) -> None:
    """After a failed refresh, or before a run that rebuilds the models whole outside `ctg
    refresh` (the Dagster daemon, which records nothing), the next one recomputes everything."""
    if settings.build_db.is_file():
        with duckdb.connect(str(settings.build_db)) as con:
            con.execute(f"drop table if exists {STATE_TABLE}")
            con.execute(f"drop table if exists {RECOMPUTE_TABLE}")
