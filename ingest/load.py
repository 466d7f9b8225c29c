"""Idempotent loading of validated extracts into the build database.

A *unit* is what one file holds for one source (a theme and a year, a population year):
loading a file whose content hash is already recorded for its unit changes nothing; a new
file for the same unit replaces its predecessor in one transaction. Every row keeps the
name and hash of its file and the load time.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb
import pandas as pd

LOADS_TABLE = "raw._chargements"
_CURSOR_LOCK = threading.Lock()
NOT_NULL = re.compile(r"\s+not\s+null", re.IGNORECASE)


@dataclass(frozen=True)
class SqlRows:
    """Rows to load written as SQL over the reader's frame, which it reads as `reader_frame`:
    the long rows of a national file are made by DuckDB instead of being copied through
    pandas (ten times the rows of the file, each with its strings)."""

    frame: pd.DataFrame
    select: str

    def to_frame(self) -> pd.DataFrame:
        """The rows as a frame (for tests and inspection; loading never needs it)."""
        with duckdb.connect() as con, incoming_source(con, self) as incoming:
            return con.execute(f"select * from {incoming}").df()


Rows = pd.DataFrame | SqlRows


@contextlib.contextmanager
def incoming_source(con: duckdb.DuckDBPyConnection, rows: Rows):
    """`rows` as a FROM item on `con` while the block runs: the SqlRows' select over its
    registered frame, or the frame itself. No view is created and dropped for it: two catalog
    changes, 15 ms a file, a tenth of a legacy file's load."""
    name = "reader_frame" if isinstance(rows, SqlRows) else "incoming_frame"
    con.register(name, rows.frame if isinstance(rows, SqlRows) else rows)
    try:
        yield f"({rows.select}) as incoming" if isinstance(rows, SqlRows) else f"{name} as incoming"
    finally:
        with contextlib.suppress(duckdb.Error):
            con.unregister(name)


def ensure_loads_table(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists raw")
    con.execute(
        f"""
        create table if not exists {LOADS_TABLE} (
            table_name varchar not null,
            unit varchar not null,
            source_file varchar not null,
            file_hash varchar not null,
            loaded_at timestamptz not null,
            row_count bigint not null,
            chiffres varchar,
            primary key (table_name, unit)
        )
        """
    )
    # A ledger of an earlier version: the figures of the units it loads from now on.
    con.execute(f"alter table {LOADS_TABLE} add column if not exists chiffres varchar")


LOAD_COLUMNS = ("source_file", "file_hash", "loaded_at")  # added to every raw table


def declared_columns(columns: str) -> list[str]:
    """The declared columns ("name type [not null]"), split on commas outside parentheses."""
    return [part.strip() for part in re.split(r",(?![^()]*\))", columns)]


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> set[str]:
    schema, name = table.split(".")
    return {row[0].lower() for row in con.execute(
        "select column_name from information_schema.columns where table_schema = ? and table_name = ?", [schema, name]
    ).fetchall()}


def table_in_layout(con: duckdb.DuckDBPyConnection, table: str, columns: str) -> bool:
    """Whether `table` exists with its declared columns and the load columns, no more, no
    fewer: `ensure_table` then has nothing to do."""
    declared = {column.split()[0].lower() for column in declared_columns(columns)}
    return table_columns(con, table) == declared | set(LOAD_COLUMNS)


def layout_outdated(con: duckdb.DuckDBPyConnection, table: str, columns: str) -> bool:
    """Whether `table` has a column it no longer declares: rows in the layout of an older
    version (the CAF legacy files' rows were one per commune and variable until 2026-11)."""
    declared = {column.split()[0].lower() for column in declared_columns(columns)}
    return bool(table_columns(con, table) - declared - set(LOAD_COLUMNS))


def ensure_table(con: duckdb.DuckDBPyConnection, table: str, columns: str) -> None:
    """Create a raw table with its declared columns, so that dbt finds it even when empty
    (a landing folder without this source refreshes everything else).

    A build database made by an older version may lack a column declared since (a reader that
    learnt an optional column): it is added, and the table's loads are forgotten so that the
    files still in the landing folder are read again and fill it. A table in an older layout
    (`layout_outdated`) cannot be converted: it is emptied, and its loads forgotten likewise
    (`ctg refresh` first reloads its files from the archive)."""
    ensure_loads_table(con)
    if layout_outdated(con, table, columns):
        con.execute("begin transaction")  # never a ledger naming loads of a table dropped
        con.execute(f"drop table {table}")
        con.execute(f"delete from {LOADS_TABLE} where table_name = ?", [table])
        con.execute("commit")
    con.execute(
        f"create table if not exists {table} ({columns}, "
        "source_file varchar not null, file_hash varchar not null, loaded_at timestamptz not null)"
    )
    present = table_columns(con, table)
    missing = [column for column in declared_columns(columns) if column.split()[0].lower() not in present]
    for column in missing:
        nullable = NOT_NULL.sub("", column)  # the rows already loaded have no value for it
        con.execute(f"alter table {table} add column {nullable}")
    if missing:
        con.execute(f"delete from {LOADS_TABLE} where table_name = ?", [table])


def current_loads(con: duckdb.DuckDBPyConnection, table: str) -> set[tuple[str, str]]:
    """(file hash, unit) of every current load of `table`: one query for all of a source's
    files (110 legacy files: 0.3 s of a refresh in a query per file)."""
    return set(con.execute(f"select file_hash, unit from {LOADS_TABLE} where table_name = ?", [table]).fetchall())


def in_loads(loads: set[tuple[str, str]], file_hash: str, unit: str | None = None) -> bool:
    """True when a file with this content is the current load of `unit` (of any unit of the
    table when the unit is only known from the content), in `current_loads`."""
    return (file_hash, unit) in loads if unit is not None else any(loaded == file_hash for loaded, _unit in loads)


def loaded_unit(con: duckdb.DuckDBPyConnection, table: str, file_hash: str) -> str:
    """The unit a file with this content was loaded as (the first, when it holds several)."""
    row = con.execute(f"select min(unit) from {LOADS_TABLE} where table_name = ? and file_hash = ?",
                      [table, file_hash]).fetchall()[0]
    return row[0] or ""


def loaded_for_another_unit(
    con: duckdb.DuckDBPyConnection, table: str, file_hash: str, unit: str
) -> tuple[str, str] | None:
    """(unit, file) when a file with this content is loaded for another unit of `table`."""
    ensure_loads_table(con)
    found = con.execute(
        f"select unit, source_file from {LOADS_TABLE} where table_name = ? and file_hash = ? and unit <> ? limit 1",
        [table, file_hash, unit],
    ).fetchall()
    return found[0] if found else None


def _scope(unit_filter: dict[str, object]) -> dict[str, object]:
    """What a unit holds besides its year (a legacy theme)."""
    return {column: value for column, value in unit_filter.items() if column != "annee" and isinstance(column, str)}


def unit_figures(con: duckdb.DuckDBPyConnection, rows: Rows, unit_filter: dict[str, object],
                 columns: tuple[str, ...]) -> str:
    """The figures of a unit's rows, order-free, with what its unit holds besides the year
    (a legacy theme): equal for two units only when they carry the same figures."""
    scope = _scope(unit_filter)
    with incoming_source(con, rows) as incoming:
        [(digest, count)] = con.execute(
            f"select bit_xor(hash({', '.join(columns)})), count(*) from {incoming}").fetchall()
    return f"{json.dumps(scope, sort_keys=True, default=str)}|{digest}|{count}"


def figures_recorded(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Whether the ledger holds the figures of every file whose rows `table` holds (not when
    loads of an earlier version did not record them, nor when the table's loads were
    forgotten to be read again)."""
    ensure_loads_table(con)
    [(unrecorded,)] = con.execute(
        f"""
        select count(*) from (select distinct file_hash from {table}) as loaded
        where not exists (
            select 1 from {LOADS_TABLE} as ledger
            where ledger.table_name = ? and ledger.file_hash = loaded.file_hash and ledger.chiffres is not null
        )
        """,
        [table],
    ).fetchall()
    return unrecorded == 0


def same_figures_for_another_year(
    con: duckdb.DuckDBPyConnection, table: str, figures: str, unit: str,
    unit_filter: dict[str, object], columns: tuple[str, ...], from_ledger: bool,
) -> str | None:
    """The file of another unit of the same kind (same filter but `annee`) whose loaded rows
    carry exactly the same figures: a copy saved under another year's name. Read from the
    ledger (`unit_figures` of each load) when it holds the figures of every loaded file
    (`figures_recorded`, asked once per source, at its first file compared), else from the loaded rows."""
    if from_ledger:
        found = con.execute(f"select min(source_file) from {LOADS_TABLE} where table_name = ? and unit <> ? "
                            "and chiffres = ?", [table, unit, figures]).fetchall()
        return found[0][0]
    scope = _scope(unit_filter)
    fingerprint = ", ".join(columns)
    _recorded_scope, digest, count = figures.rsplit("|", 2)
    clauses = " ".join(f"and {column} = ?" for column in scope)
    found = con.execute(
        f"select any_value(source_file) from {table} where annee <> ? {clauses} "
        f"group by annee having bit_xor(hash({fingerprint})) = ? and count(*) = ? limit 1",
        [unit_filter["annee"], *scope.values(), int(digest), int(count)],
    ).fetchall()
    return found[0][0] if found else None


def replace_unit(
    con: duckdb.DuckDBPyConnection,
    table: str,
    unit: str,
    unit_filter: dict[str, object],
    rows: Rows,
    source_file: str,
    file_hash: str,
    figures: str | None = None,
) -> int:
    """Replace the rows of `unit` with `rows`. `unit_filter` selects them: column = value,
    column in a list of values, or (column, column) in a list of pairs. `figures`: the rows'
    `unit_figures`, kept in the ledger."""
    ensure_loads_table(con)
    loaded_at = datetime.now(UTC)
    with _rolled_back_on_error(con):
        con.execute("begin transaction")
        with incoming_source(con, rows) as incoming:
            con.execute(  # undeclared tables
                f"create table if not exists {table} as select *, null::varchar as source_file, "
                f"null::varchar as file_hash, null::timestamptz as loaded_at from {incoming} limit 0"
            )
            count = _delete_and_insert(con, table, unit_filter, incoming, source_file, file_hash, loaded_at)
        _record_and_commit(con, table, unit, source_file, file_hash, loaded_at, count, figures)
    return count


@dataclass
class StagedUnit:
    """A unit's rows replaced in a transaction of a cursor of their own, not committed yet
    (`stage_unit`): `commit_staged` records and commits them, `discard_staged` rolls back."""

    cursor: duckdb.DuckDBPyConnection
    table: str
    unit: str
    source_file: str
    file_hash: str
    loaded_at: datetime
    count: int
    open: bool = True


def stage_unit(
    con: duckdb.DuckDBPyConnection, table: str, unit: str, unit_filter: dict[str, object], rows: Rows,
    source_file: str, file_hash: str,
) -> StagedUnit:
    """replace_unit's delete and insert, in a transaction left open on a new cursor of `con`
    (the table and the ledger exist: ingest_source made them). A reading thread stages the
    file it read while the loading one commits the one before: the insert (the reader's
    frame read by DuckDB) no longer waits in line. Only for units that no other file of the
    refresh touches: two open transactions replacing one unit would both append."""
    with _CURSOR_LOCK:  # reading threads stage at the same time
        cursor = con.cursor()
    loaded_at = datetime.now(UTC)
    try:
        with _rolled_back_on_error(cursor):
            cursor.execute("begin transaction")
            with incoming_source(cursor, rows) as incoming:
                count = _delete_and_insert(cursor, table, unit_filter, incoming, source_file, file_hash, loaded_at)
    except Exception:
        cursor.close()
        raise
    return StagedUnit(cursor, table, unit, source_file, file_hash, loaded_at, count)


def commit_staged(staged: StagedUnit, figures: str | None = None) -> int:
    """The staged rows recorded in the ledger and committed; their count."""
    staged.open = False
    try:
        with _rolled_back_on_error(staged.cursor):
            _record_and_commit(staged.cursor, staged.table, staged.unit, staged.source_file, staged.file_hash,
                               staged.loaded_at, staged.count, figures)
    finally:
        staged.cursor.close()
    return staged.count


def discard_staged(staged: StagedUnit) -> None:
    """The staged rows rolled back (a file refused after it was read), if still open."""
    if not staged.open:
        return
    staged.open = False
    with contextlib.suppress(duckdb.Error):
        staged.cursor.execute("rollback")
    staged.cursor.close()


@contextlib.contextmanager
def _rolled_back_on_error(con: duckdb.DuckDBPyConnection):
    try:
        yield
    except Exception:
        # After an I/O error (a full disk) DuckDB may have ended the transaction itself: a
        # failed rollback must not hide the error that matters.
        with contextlib.suppress(duckdb.Error):
            con.execute("rollback")
        raise
    finally:
        with contextlib.suppress(duckdb.Error):
            con.unregister("unit_pairs")


def _delete_and_insert(con: duckdb.DuckDBPyConnection, table: str, unit_filter: dict[str, object], incoming: str,
                       source_file: str, file_hash: str, loaded_at: datetime) -> int:
    if unit_filter:
        clauses, params = [], []
        for column, value in unit_filter.items():
            if isinstance(column, tuple):  # pairs, e.g. (annee, variable)
                con.register("unit_pairs", pd.DataFrame(list(value), columns=list(column)))
                names = ", ".join(column)
                clauses.append(f"({names}) in (select {names} from unit_pairs)")
                continue
            values = list(value) if isinstance(value, (list, tuple, set)) else [value]
            clauses.append(f"{column} in ({', '.join('?' for _ in values)})")
            params.extend(values)
        con.execute(f"delete from {table} where {' and '.join(clauses)}", params)
    else:
        con.execute(f"delete from {table}")
    [(count,)] = con.execute(
        f"insert into {table} by name "
        f"select *, ? as source_file, ? as file_hash, ? as loaded_at from {incoming}",
        [source_file, file_hash, loaded_at],
    ).fetchall()
    return count


def _record_and_commit(con: duckdb.DuckDBPyConnection, table: str, unit: str, source_file: str, file_hash: str,
                       loaded_at: datetime, count: int, figures: str | None) -> None:
    con.execute(
        f"insert or replace into {LOADS_TABLE} "
        "(table_name, unit, source_file, file_hash, loaded_at, row_count, chiffres) values (?, ?, ?, ?, ?, ?, ?)",
        [table, unit, source_file, file_hash, loaded_at, count, figures],
    )
    con.execute("commit")
