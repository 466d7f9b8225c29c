"""Publish the marts: a copy of the file dbt wrote them in, fsync, atomic rename, fsync of the folder.

dbt writes the marts, and only them, in a file of their own (`Settings.marts_db`, attached
to the build database as `publication`), already in the storage version readers need: the
published file is a byte copy of it, checked first. Readers of the previous published file
are never disturbed (a rename does not touch the open file), and a failure at any point
leaves the previous file byte-identical.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.archive import fsync_path
from orchestration.settings import storage_version

PUBLISHED_SCHEMAS = ("marts",)
# A refresh that computed nothing (no recognised extract, every file rejected) must not
# replace a good warehouse with empty tables.
MUST_NOT_BE_EMPTY = ("marts.indicateurs",)


# The marts whose Parquet copy is a folder of one file per year (`indicateurs/annee=2018/…`),
# in the Hive layout every Parquet reader knows: 14.5 million rows nationally, of which a
# refresh where one file changed recomputes a year or a few. The years whose rows are those of
# the previous publication (same fingerprint) are linked from it, not encoded again (3.5 s of
# a 4 s publication nationally when it was one file). Their fingerprints: YEAR_FINGERPRINTS.
PARQUET_BY_YEAR = {("marts", "indicateurs")}
YEAR_FINGERPRINTS = "_empreintes.json"  # a leading _: not data, for Hive-layout readers


class NothingToPublish(RuntimeError):
    """The build holds no indicator: the published warehouse is kept as it is."""


@dataclass(frozen=True)
class Publication:
    warehouse: Path
    tables: dict[str, int]  # schema.table -> rows
    parquet_dir: Path
    size_bytes: int
    # schema.table -> the years whose Parquet files were written, and those linked (PARQUET_BY_YEAR)
    years_written: dict[str, tuple[list[int], list[int]]]


def _relations(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str, str]]:
    """Every table and view of a catalog: (schema, name, type)."""
    return con.execute(
        "select table_schema, table_name, table_type from information_schema.tables where table_catalog = ? order by 1, 2",
        [catalog],
    ).fetchall()


def remove_leftovers(warehouse: Path, parquet_dir: Path) -> list[Path]:
    """Files and folders a killed publication left behind (one publication runs at a time), and
    Parquet versions the link no longer points to."""
    current = parquet_dir.resolve() if parquet_dir.is_symlink() else None
    version = re.compile(rf"^\.{re.escape(parquet_dir.name)}\.[0-9a-f]{{8}}$")
    leftovers = [*warehouse.parent.glob(f".{warehouse.name}.*.tmp"), *warehouse.parent.glob(f".{warehouse.name}.*.tmp.wal"),
                 *parquet_dir.parent.glob(f".{parquet_dir.name}.*.tmp"),
                 *parquet_dir.parent.glob(f".{parquet_dir.name}.*.old"),
                 *(path for path in parquet_dir.parent.glob(f".{parquet_dir.name}.*")
                   if version.match(path.name) and path.resolve() != current)]
    for path in leftovers:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    return leftovers


def compact_marts(con: duckdb.DuckDBPyConnection, marts_db: Path, token: str) -> None:
    """The marts file (attached as `marts_file`) written again without its free blocks, in the
    published storage version, and put in its place."""
    compact = marts_db.with_name(f".{marts_db.name}.{token}.compact")
    try:
        con.execute(f"attach ? as compact (storage_version '{storage_version()}')", [str(compact)])
        con.execute("copy from database marts_file to compact")
        con.execute("checkpoint compact")  # raises if it cannot be written whole (a full disk)
        con.execute("detach compact")
        con.execute("detach marts_file")
        os.replace(compact, marts_db)
        marts_db.with_name(marts_db.name + ".wal").unlink(missing_ok=True)
        con.execute("attach ? as marts_file", [str(marts_db)])
    finally:
        compact.unlink(missing_ok=True)
        compact.with_name(compact.name + ".wal").unlink(missing_ok=True)


def write_by_year(con: duckdb.DuckDBPyConnection, relation: str, folder: Path,
                  previous: Path | None) -> tuple[list[int], list[int]]:
    """The Parquet copy of `relation` as `folder/annee=<year>/`, one folder per year: the years
    whose rows have the fingerprint they had in `previous` (the same table's folder in the
    publication before) are hard links to its files; the others are written, in one pass.
    Returns the years written and the years linked."""
    columns = [row[0] for row in con.execute(f"select column_name from (describe {relation})").fetchall()]
    row = "hash(" + ", ".join('"{}"'.format(column.replace('"', '""')) for column in columns) + ")"
    found = con.execute(f"select annee, count(*), bit_xor({row}), sum({row}::hugeint) from {relation} group by annee").fetchall()
    # DuckDB's hash may change from one version to the next: its version is part of the record.
    now = {"duckdb": duckdb.__version__, "annees": {str(year): f"{count}:{xor}:{total}" for year, count, xor, total in found}}
    try:
        before = json.loads((previous / YEAR_FINGERPRINTS).read_text(encoding="utf-8")) if previous else {}
    except (OSError, ValueError):  # none (the first publication, or a single file before)
        before = {}
    folder.mkdir(parents=True)
    written, linked = [], []
    for year, fingerprint in now["annees"].items():
        kept = sorted((previous / f"annee={year}").glob("*.parquet")) if previous else []
        if not kept or before.get("duckdb") != now["duckdb"] or before.get("annees", {}).get(year) != fingerprint:
            written.append(int(year))
            continue
        linked.append(int(year))
        (folder / f"annee={year}").mkdir()
        for path in kept:
            try:
                os.link(path, folder / f"annee={year}" / path.name)
            except OSError:  # a file system without hard links
                shutil.copyfile(path, folder / f"annee={year}" / path.name)
    if written:
        years = ", ".join(str(year) for year in sorted(written))  # integers DuckDB gave
        # Each year's rows are buffered until this many, then written as a row group: by
        # default 524,288, 3.8 GB of buffers for 12 national years, against 1.4 GB (7.3 → 7 s).
        con.execute("set partitioned_write_flush_threshold = 122880")
        con.execute(f"copy (select * from {relation} where annee in ({years})) to ? "
                    "(format parquet, partition_by (annee), write_partition_columns true, overwrite_or_ignore true, "
                    f"filename_pattern '{folder.name}_{{i}}')", [str(folder)])
    (folder / YEAR_FINGERPRINTS).write_text(json.dumps(now, indent=1), encoding="utf-8")
    return sorted(written), sorted(linked)


def copy_and_sync(source: Path, target: Path) -> None:
    shutil.copyfile(source, target)
    fsync_path(target)


class PublicationError(RuntimeError):
    """The new warehouse could not be written; the published one is untouched."""


# Names dbt gives a table while it replaces it: left in the marts file by a run killed meanwhile.
DBT_INTERMEDIATE = re.compile(r"__dbt_(tmp|backup)$")
# Above this share of the marts file not in use (marts replaced by a partial run of the
# Dagster UI), it is written again compactly before it is copied: nationally, 10 s instead of
# 1 s, rather than a published file up to twice its size. (After a year-incremental refresh,
# DuckDB reuses the blocks the deleted years freed: 12 % free after three in a row.)
MAX_FREE_SHARE = 0.4


def publish(marts_db: Path, warehouse: Path, parquet_dir: Path, expected: set[str] | None = None) -> Publication:
    """Publish `marts_db` (the file of marts dbt wrote) as `warehouse`, and its tables as
    Parquet. `expected`: the marts (`marts.<name>`) it must hold, no more, no fewer."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(warehouse, parquet_dir)
    token = uuid.uuid4().hex[:8]
    staging_file = warehouse.with_name(f".{warehouse.name}.{token}.tmp")
    staging_parquet = parquet_dir.with_name(f".{parquet_dir.name}.{token}.tmp")
    tables: dict[str, int] = {}
    years_written: dict[str, tuple[list[int], list[int]]] = {}
    for leftover in marts_db.parent.glob(f".{marts_db.name}.*.compact*"):  # a compaction killed midway
        leftover.unlink(missing_ok=True)
    if not marts_db.is_file():
        raise NothingToPublish(f"aucun fichier de marts {marts_db} : les modèles dbt n'ont pas été construits ; "
                               "publication refusée, l'entrepôt publié est conservé tel quel")
    try:
        # Paths are bound, never formatted into SQL: "Communauté d'agglomération/" is a folder name.
        with duckdb.connect() as con:
            con.execute("attach ? as marts_file", [str(marts_db)])
            con.execute("checkpoint marts_file")  # what dbt left in the write-ahead log goes into the file
            relations = _relations(con, "marts_file")
            # Nothing but the marts' tables leaves the build: a view would read tables the
            # published file lacks, anything else is not for readers.
            foreign = [f"{schema}.{name}" for schema, name, kind in relations
                       if schema not in PUBLISHED_SCHEMAS or kind != "BASE TABLE" or DBT_INTERMEDIATE.search(name)
                       or expected is not None and f"{schema}.{name}" not in expected]
            if foreign:
                raise PublicationError(f"{marts_db} contient autre chose que les tables des marts ({', '.join(foreign)}) ; "
                                       "publication refusée, l'entrepôt publié est inchangé")
            published = [(schema, name) for schema, name, _kind in relations]
            if missing := sorted((expected or set()) - {f"{schema}.{name}" for schema, name in published}):
                raise PublicationError(f"{marts_db} ne contient pas {', '.join(missing)} ; publication refusée, "
                                       "l'entrepôt publié est inchangé")
            if not published:
                raise NothingToPublish(f"aucune table à publier dans {marts_db} (schémas {PUBLISHED_SCHEMAS})")
            for name in MUST_NOT_BE_EMPTY:
                if tuple(name.split(".")) not in published:
                    continue
                if not con.execute(f"select count(*) from marts_file.{name}").fetchone()[0]:
                    raise NothingToPublish(
                        f"{name} est vide : aucun indicateur calculé (aucun extrait reconnu ou chargé) ; "
                        "publication refusée, l'entrepôt publié est conservé tel quel"
                    )
            # What the file holds beyond its used blocks (DuckDB's free-block count may include
            # blocks already cut from the file's end).
            [(block_size, used)] = con.execute("select block_size, used_blocks from pragma_database_size() "
                                               "where database_name = 'marts_file'").fetchall()
            size = marts_db.stat().st_size
            if size - used * block_size > MAX_FREE_SHARE * size:
                compact_marts(con, marts_db, token)
            con.execute("detach marts_file")
        # The staged copy of the file is written and synced (I/O) while DuckDB encodes the Parquet
        # copies (CPU) from the same bytes: nationally 0.5 s of the 4 s publication.
        with ThreadPoolExecutor(max_workers=1) as pool:
            staged = pool.submit(copy_and_sync, marts_db, staging_file)
            with duckdb.connect() as con:
                # The marts' rows have no order readers may rely on (they sort what they show): in
                # any order, DuckDB writes the Parquet copy of marts.indicateurs on both cores (7.5 s → 5 s nationally).
                con.execute("set preserve_insertion_order = false")
                con.execute("attach ? as published (read_only)", [str(marts_db)])
                staging_parquet.mkdir(parents=True)
                previous = parquet_dir.resolve() if parquet_dir.is_dir() else None
                for schema, table in published:
                    name = f"{schema}.{table}"
                    tables[name] = con.execute(f"select count(*) from published.{name}").fetchone()[0]
                    if (schema, table) in PARQUET_BY_YEAR:
                        years_written[name] = write_by_year(con, f"published.{name}", staging_parquet / table,
                                                            previous / table if previous is not None else None)
                    else:
                        con.execute(f"copy published.{name} to ? (format parquet)", [str(staging_parquet / f"{table}.parquet")])
            staged.result()
        for path in sorted(staging_parquet.rglob("*"), reverse=True) + [staging_parquet]:  # files before their folders
            fsync_path(path)
        os.replace(staging_file, warehouse)
        fsync_path(warehouse.parent)
    except BaseException as error:
        staging_file.unlink(missing_ok=True)
        staging_file.with_name(staging_file.name + ".wal").unlink(missing_ok=True)
        shutil.rmtree(staging_parquet, ignore_errors=True)
        if isinstance(error, duckdb.IOException | OSError):  # a full disk, a folder gone read-only
            raise PublicationError(
                f"publication impossible dans {warehouse.parent} ({error}) ; l'entrepôt publié est inchangé. "
                "Libérez de la place ou rétablissez les droits du dossier, puis relancez"
            ) from error
        raise
    # Parquet files: a folder per publication, and `parquet_dir` a symbolic link to the current
    # one, replaced in one rename: a reader of the folder never finds it absent.
    version = parquet_dir.with_name(f".{parquet_dir.name}.{token}")
    os.replace(staging_parquet, version)
    previous = parquet_dir.resolve() if parquet_dir.is_symlink() else None
    link = parquet_dir.with_name(f".{parquet_dir.name}.{token}.lien.tmp")
    os.symlink(version.name, link)
    if parquet_dir.is_dir() and not parquet_dir.is_symlink():  # a real folder, as earlier versions published
        os.replace(parquet_dir, parquet_dir.with_name(f".{parquet_dir.name}.{token}.old"))
    os.replace(link, parquet_dir)
    fsync_path(parquet_dir.parent)
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
    shutil.rmtree(parquet_dir.with_name(f".{parquet_dir.name}.{token}.old"), ignore_errors=True)
    return Publication(warehouse, tables, parquet_dir, warehouse.stat().st_size, years_written)
