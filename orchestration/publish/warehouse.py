"""Publish the marts: new file, checkpoint, close, fsync, atomic rename, fsync of the folder.

Readers of the previous published file are never disturbed (a rename does not touch the
open file), and a failure at any point leaves the previous file byte-identical.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

import duckdb

from ingest.archive import fsync_path

PUBLISHED_SCHEMAS = ("marts",)
# A refresh that computed nothing (no recognised extract, every file rejected) must not
# replace a good warehouse with empty tables.
MUST_NOT_BE_EMPTY = ("marts.indicateurs",)
# Marts of year-incremental models (dbt_project/macros/incremental.sql): after an incremental
# refresh, only their recomputed years are copied into a copy of the published file.
BY_YEAR = ("marts.indicateurs",)


# The published file is written in an older storage format than DuckDB 2.0's own, so that the
# DuckDB 1.x embedded in BI drivers and analysts' environments can open it (a file in 2.0's
# format is refused by 1.1, 1.4 and 1.5). CTG_STORAGE_VERSION chooses another ("v1.0.0" is
# read by DuckDB 1.0 and later).
DEFAULT_STORAGE_VERSION = "v1.0.0"
STORAGE_VERSION = re.compile(r"^v\d+\.\d+\.\d+$")


def storage_version() -> str:
    version = os.environ.get("CTG_STORAGE_VERSION", DEFAULT_STORAGE_VERSION).strip()
    if not STORAGE_VERSION.match(version):
        raise ValueError(f"CTG_STORAGE_VERSION « {version} » : attendu une version DuckDB comme v1.0.0")
    return version


class NothingToPublish(RuntimeError):
    """The build holds no indicator: the published warehouse is kept as it is."""


@dataclass(frozen=True)
class Publication:
    warehouse: Path
    tables: dict[str, int]  # schema.table -> rows
    parquet_dir: Path
    size_bytes: int
    since_year: int | None = None  # the years copied from it on into the previous file; None: all


def _tables(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple[str, str]]:
    placeholders = ", ".join("?" for _ in PUBLISHED_SCHEMAS)
    return con.execute(
        f"""
        select table_schema, table_name from information_schema.tables
        where table_catalog = ? and table_schema in ({placeholders}) and table_type = 'BASE TABLE'
        order by 1, 2
        """,
        [catalog, *PUBLISHED_SCHEMAS],
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


# Above this share of a BY_YEAR mart's rows recomputed, the whole file is written again: deleting
# and inserting half of the 14.5 million national rows takes longer than writing them all, and
# leaves the copy with as much dead space (the latest year corrected: 14 %, 10 s instead of 19 s).
MAX_SHARE_COPIED_BY_YEAR = 0.4


def _patchable(con: duckdb.DuckDBPyConnection, warehouse: Path, since_year: int) -> bool:
    """Whether the published file can take the build's years from `since_year` on: it exists,
    its marts have the build's columns, and those years are a small share of the rows."""
    if not warehouse.is_file():
        return False
    try:
        con.execute("attach ? as previous (read_only)", [str(warehouse)])
    except duckdb.Error:  # not a DuckDB file any more: written whole, as the first time
        return False
    try:
        if _columns(con, "previous") != _columns(con, "build"):
            return False
    finally:
        con.execute("detach previous")
    for name in BY_YEAR:
        [(recomputed, total)] = con.execute(
            f"select count(*) filter (where annee >= ?), count(*) from build.{name}", [since_year]).fetchall()
        if recomputed > MAX_SHARE_COPIED_BY_YEAR * total:
            return False
    return True


def _columns(con: duckdb.DuckDBPyConnection, catalog: str) -> list[tuple]:
    """Every published table's columns and types, in order."""
    placeholders = ", ".join("?" for _ in PUBLISHED_SCHEMAS)
    return con.execute(
        f"""
        select schema_name, table_name, column_index, column_name, data_type from duckdb_columns()
        where database_name = ? and schema_name in ({placeholders})
        order by 1, 2, 3
        """,
        [catalog, *PUBLISHED_SCHEMAS],
    ).fetchall()


class PublicationError(RuntimeError):
    """The new warehouse could not be written; the published one is untouched."""


def publish(build_db: Path, warehouse: Path, parquet_dir: Path, since_year: int | None = None) -> Publication:
    """`since_year`: the build recomputed the BY_YEAR marts from that year on, and the published
    file holds what the build held before (orchestration.incremental): the new file is a copy
    of it where only those years of those marts are replaced (every other mart is copied
    whole), instead of every row being written again."""
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(warehouse, parquet_dir)
    token = uuid.uuid4().hex[:8]
    staging_file = warehouse.with_name(f".{warehouse.name}.{token}.tmp")
    staging_parquet = parquet_dir.with_name(f".{parquet_dir.name}.{token}.tmp")
    tables: dict[str, int] = {}
    try:
        with duckdb.connect() as con:
            # The marts' rows have no order readers may rely on (they sort what they show): in
            # any order, DuckDB writes them on both cores. Nationally, the Parquet copy of
            # marts.indicateurs 7.5 s → 5 s, its copy into the published file 11 s → 10 s.
            con.execute("set preserve_insertion_order = false")
            # Paths are bound, never formatted into SQL: "Communauté d'agglomération/" is a folder name.
            # The storage version is checked against a pattern (an ATTACH option cannot be bound).
            con.execute("attach ? as build (read_only)", [str(build_db)])
            published = _tables(con, "build")
            if not published:
                raise NothingToPublish(f"aucune table à publier dans {build_db} (schémas {PUBLISHED_SCHEMAS})")
            for name in MUST_NOT_BE_EMPTY:
                if tuple(name.split(".")) in published and not con.execute(f"select count(*) from build.{name}").fetchone()[0]:
                    raise NothingToPublish(
                        f"{name} est vide : aucun indicateur calculé (aucun extrait reconnu ou chargé) ; "
                        "publication refusée, l'entrepôt publié est conservé tel quel"
                    )
            if since_year is not None and not _patchable(con, warehouse, since_year):
                since_year = None
            if since_year is not None:
                shutil.copyfile(warehouse, staging_file)
            con.execute(f"attach ? as published (storage_version '{storage_version()}')", [str(staging_file)])
            staging_parquet.mkdir(parents=True)
            for schema, table in published:
                name = f"{schema}.{table}"
                con.execute(f"create schema if not exists published.{schema}")
                if since_year is not None and name in BY_YEAR:
                    con.execute("begin transaction")
                    con.execute(f"delete from published.{name} where annee >= ?", [since_year])
                    con.execute(f"insert into published.{name} select * from build.{name} where annee >= ?", [since_year])
                    con.execute("commit")
                else:
                    con.execute(f"create or replace table published.{name} as select * from build.{name}")
                tables[name] = con.execute(f"select count(*) from published.{name}").fetchone()[0]
                if since_year is not None and tables[name] != con.execute(f"select count(*) from build.{name}").fetchone()[0]:
                    raise PublicationError(f"{name} : nombre de lignes différent de la base de construction après la "
                                           "copie des années recalculées ; l'entrepôt publié est inchangé")
                con.execute(f"copy published.{name} to ? (format parquet)", [str(staging_parquet / f"{table}.parquet")])
            con.execute("detach build")
            con.execute("checkpoint published")
            con.execute("detach published")
        for path in [staging_file, *staging_parquet.iterdir(), staging_parquet]:
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
    return Publication(warehouse, tables, parquet_dir, warehouse.stat().st_size, since_year)
