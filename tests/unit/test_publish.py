import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.publish.warehouse import NothingToPublish, PublicationError, publish


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def indicateurs_parquet(parquet_dir) -> str:
    """The Parquet copy of marts.indicateurs: a file per year (PARQUET_BY_YEAR), as a glob."""
    return f"{parquet_dir}/indicateurs/*/*.parquet"


def build_with_mart(path, value):
    """A file of marts as dbt writes it (Settings.marts_db)."""
    with duckdb.connect(str(path)) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.indicateurs as select 'nb_allocataires' as indicateur_code, "
                    f"2018 as annee, {value}::double as valeur")


def test_publish_copies_the_marts_and_writes_parquet(tmp_path):
    build = tmp_path / "build.duckdb"
    build_with_mart(build, 25829)
    publication = publish(build, tmp_path / "wh" / "ctg.duckdb", tmp_path / "wh" / "parquet")
    assert publication.tables == {"marts.indicateurs": 1}
    with duckdb.connect(str(publication.warehouse), read_only=True) as con:
        assert con.execute("select valeur from marts.indicateurs").fetchone() == (25829.0,)
    assert duckdb.sql(f"select count(*) from '{indicateurs_parquet(tmp_path / 'wh' / 'parquet')}'").fetchall() == [(1,)]


@pytest.mark.parametrize("extra", ["create schema raw; create table raw.secret as select 'nom' as bailleur_nom",
                                   "create view marts.vue as select * from marts.indicateurs"])
def test_a_marts_file_holding_anything_else_is_not_published(tmp_path, extra):
    """Nothing but the marts' tables leaves the build: a raw table (personal data) that reached
    the file by mistake, or a view (it would read tables readers lack), stops publication."""
    warehouse, before = published_good_warehouse(tmp_path)
    marts = tmp_path / "build-marts.duckdb"
    build_with_mart(marts, 1)
    with duckdb.connect(str(marts)) as con:
        con.execute(extra)
    with pytest.raises(PublicationError, match="autre chose que les tables des marts"):
        publish(marts, warehouse, tmp_path / "wh" / "parquet")
    assert sha256(warehouse) == before


def test_what_dbt_left_in_the_write_ahead_log_is_published(tmp_path):
    """dbt may leave its last changes in the marts file's WAL: a byte copy of the file alone
    would lose them. Publication checkpoints it first."""
    marts = tmp_path / "build-marts.duckdb"
    build_with_mart(marts, 1)
    with duckdb.connect(str(marts)) as con:
        con.execute("pragma disable_checkpoint_on_shutdown")
        con.execute("set checkpoint_threshold = '1GB'")
        con.execute("update marts.indicateurs set valeur = 2")
    assert marts.with_name("build-marts.duckdb.wal").exists()
    publication = publish(marts, tmp_path / "wh" / "ctg.duckdb", tmp_path / "wh" / "parquet")
    with duckdb.connect(str(publication.warehouse), read_only=True) as con:
        assert con.execute("select valeur from marts.indicateurs").fetchone() == (2.0,)


def entries(folder: Path) -> list[str]:
    """What a publication leaves in the warehouse folder: the current Parquet version (the
    link's target) is shown as `<version>`; anything else hidden is a leftover."""
    names = []
    for path in sorted(folder.iterdir()):
        links_to_it = [link for link in folder.iterdir() if link.is_symlink() and link.resolve() == path]
        names.append("<version>" if path.name.startswith(".") and links_to_it else path.name)
    return names


def published_good_warehouse(tmp_path):
    """A warehouse published from a good build: (its path, its sha256)."""
    warehouse = tmp_path / "wh" / "ctg.duckdb"
    good = tmp_path / "good.duckdb"
    build_with_mart(good, 25829)
    publish(good, warehouse, tmp_path / "wh" / "parquet")
    return warehouse, sha256(warehouse)


def test_failed_publish_leaves_the_published_file_byte_identical(tmp_path):
    warehouse, before = published_good_warehouse(tmp_path)

    empty_build = tmp_path / "empty.duckdb"
    duckdb.connect(str(empty_build)).close()
    with pytest.raises(RuntimeError):
        publish(empty_build, warehouse, tmp_path / "wh" / "parquet")

    assert sha256(warehouse) == before
    assert entries(warehouse.parent) == ["<version>", "ctg.duckdb", "parquet"]


def test_reader_of_the_old_file_is_not_disturbed(tmp_path):
    warehouse = tmp_path / "ctg.duckdb"
    build = tmp_path / "build.duckdb"
    build_with_mart(build, 1)
    publish(build, warehouse, tmp_path / "parquet")
    reader = duckdb.connect(str(warehouse), read_only=True)
    build_with_mart(build, 2)
    publish(build, warehouse, tmp_path / "parquet")
    assert reader.execute("select valeur from marts.indicateurs").fetchone() == (1.0,)
    reader.close()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select valeur from marts.indicateurs").fetchone() == (2.0,)


def test_a_build_without_indicators_does_not_replace_a_good_warehouse(tmp_path):
    warehouse, before = published_good_warehouse(tmp_path)

    empty_marts = tmp_path / "empty.duckdb"  # dbt ran, but no extract was recognised
    with duckdb.connect(str(empty_marts)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.indicateurs (indicateur_code varchar, annee integer, valeur double)")
    with pytest.raises(NothingToPublish, match="aucun indicateur"):
        publish(empty_marts, warehouse, tmp_path / "wh" / "parquet")

    assert sha256(warehouse) == before
    assert duckdb.sql(f"select count(*) from '{indicateurs_parquet(tmp_path / 'wh' / 'parquet')}'").fetchall() == [(1,)]


@pytest.mark.parametrize("folder", ["Communauté d'agglomération", "x' as b; copy (select 42) to 'PWNED.csv'; --"])
def test_a_folder_name_is_a_path_never_sql(tmp_path, monkeypatch, folder):
    monkeypatch.chdir(tmp_path)
    build = tmp_path / folder / ".build" / "build.duckdb"
    build.parent.mkdir(parents=True)
    build_with_mart(build, 25829)

    publication = publish(build, tmp_path / folder / "ctg.duckdb", tmp_path / folder / "ctg_parquet")

    assert publication.tables == {"marts.indicateurs": 1}
    assert (tmp_path / folder / "ctg_parquet" / "indicateurs" / "annee=2018" / "indicateurs_0.parquet").exists()
    assert not list(tmp_path.rglob("PWNED.csv"))


def test_leftovers_of_a_killed_publication_are_removed_by_the_next(tmp_path):
    build = tmp_path / "build.duckdb"
    build_with_mart(build, 25829)
    wh = tmp_path / "wh"
    wh.mkdir()
    leftovers = [wh / ".ctg.duckdb.1a2b3c4d.tmp", wh / ".ctg_parquet.1a2b3c4d.tmp", wh / ".ctg_parquet.5e6f7a8b.old"]
    leftovers[0].write_bytes(b"half a database")
    for folder in leftovers[1:]:
        folder.mkdir()
        (folder / "indicateurs.parquet").write_bytes(b"half a file")

    publish(build, wh / "ctg.duckdb", wh / "ctg_parquet")

    assert entries(wh) == ["<version>", "ctg.duckdb", "ctg_parquet"]


def test_the_readers_recipe_sees_each_new_publication_in_a_long_lived_process(tmp_path):
    """DuckDB keeps one database instance per path and process: while any connection to the
    published file is open, a new `duckdb.connect(path)` gets the old data. The README's
    recipes for BI servers: attach the file to an in-memory connection per session, or close
    every pooled connection (recycling), or read the Parquet folder."""
    warehouse, parquet = tmp_path / "wh" / "ctg.duckdb", tmp_path / "wh" / "ctg_parquet"
    build_with_mart(tmp_path / "b1.duckdb", 1)
    publish(tmp_path / "b1.duckdb", warehouse, parquet)
    pooled = duckdb.connect(str(warehouse), read_only=True)  # a BI server's pool keeps it open
    assert pooled.execute("select valeur from marts.indicateurs").fetchone() == (1.0,)

    build_with_mart(tmp_path / "b2.duckdb", 2)
    publish(tmp_path / "b2.duckdb", warehouse, parquet)

    with duckdb.connect(str(warehouse), read_only=True) as naive:  # the trap
        assert naive.execute("select valeur from marts.indicateurs").fetchone() == (1.0,)
    with duckdb.connect(":memory:") as session:  # recipe 1: attach per session
        session.execute("attach ? as ctg (read_only)", [str(warehouse)])
        assert session.execute("select valeur from ctg.marts.indicateurs").fetchone() == (2.0,)
    assert duckdb.sql(f"select valeur from '{indicateurs_parquet(parquet)}'").fetchall() == [(2.0,)]  # recipe 3
    pooled.close()  # recipe 2: every connection of the pool recycled
    with duckdb.connect(str(warehouse), read_only=True) as recycled:
        assert recycled.execute("select valeur from marts.indicateurs").fetchone() == (2.0,)


def test_the_published_file_and_folders_are_forced_to_disk_before_and_after_the_renames(tmp_path, monkeypatch):
    """A power loss right after publication keeps the new file whole and its rename (fsync of the
    file, the Parquet files and the folders)."""
    import os

    build = tmp_path / "build.duckdb"
    with duckdb.connect(str(build)) as con:
        con.execute("create schema marts; create table marts.indicateurs as select 2018 as annee, 1 as valeur")
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (synced.append(os.readlink(f"/proc/self/fd/{fd}")), real_fsync(fd)))
    warehouse, parquet = tmp_path / "wh" / "ctg.duckdb", tmp_path / "wh" / "ctg_parquet"
    publish(build, warehouse, parquet)
    names = [Path(path).name for path in synced]
    assert names[-1] == "wh" and names.count("wh") == 2  # after each rename, the folder
    assert any(name.startswith(".ctg.duckdb.") for name in names) and "indicateurs_0.parquet" in names


def test_readers_of_the_parquet_folder_never_find_it_absent(tmp_path):
    """The Parquet folder is a link to the current version, replaced in one rename: a reader
    polling it while publications follow one another always finds the file."""
    import threading

    wh = tmp_path / "wh"
    wh.mkdir()
    parquet = wh / "ctg_parquet"
    parquet.mkdir()  # a real folder, as earlier versions published: replaced by the link
    (parquet / "indicateurs.parquet").write_bytes(b"PAR1")
    builds = []
    for value in range(5):
        builds.append(tmp_path / f"b{value}.duckdb")
        build_with_mart(builds[-1], value)
    done, missing = threading.Event(), []

    def read():
        while not done.is_set():
            if not (parquet / "indicateurs" / "annee=2018" / "indicateurs_0.parquet").exists():
                missing.append(1)

    publish(builds[0], wh / "ctg.duckdb", parquet)  # the real folder becomes a link (once, not atomic)
    assert parquet.is_symlink()
    reader = threading.Thread(target=read)
    reader.start()
    for build in builds[1:]:
        publish(build, wh / "ctg.duckdb", parquet)
    done.set()
    reader.join()
    assert missing == [] and parquet.is_symlink()
    assert duckdb.sql(f"select valeur from '{indicateurs_parquet(parquet)}'").fetchall() == [(4,)]
    assert entries(wh) == ["<version>", "ctg.duckdb", "ctg_parquet"]  # the earlier versions are gone


@pytest.mark.parametrize(("tables", "expected", "said"), [
    (["indicateurs", "indicateurs__dbt_tmp"], None, "autre chose que les tables des marts"),  # left by a killed dbt
    (["indicateurs", "territoires", "territoires__dbt_backup"], {"marts.indicateurs", "marts.territoires"},
     "autre chose que les tables des marts"),
    (["indicateurs", "ancien_mart"], {"marts.indicateurs"}, "autre chose que les tables des marts"),  # a model since removed
    (["indicateurs"], {"marts.indicateurs", "marts.territoires"}, "ne contient pas marts.territoires"),  # not rebuilt
])
def test_the_marts_file_must_hold_the_project_s_marts_and_only_them(tmp_path, tables, expected, said):
    warehouse, before = published_good_warehouse(tmp_path)
    marts = tmp_path / "build-marts.duckdb"
    build_with_mart(marts, 1)
    with duckdb.connect(str(marts)) as con:
        for table in tables[1:]:
            con.execute(f"create table marts.{table} as select 1 as x")
    with pytest.raises(PublicationError, match=said):
        publish(marts, warehouse, tmp_path / "wh" / "parquet", expected=expected)
    assert sha256(warehouse) == before


def test_a_marts_file_mostly_free_space_is_published_compact(tmp_path):
    """Marts replaced by a partial run leave their blocks free: the published copy is written
    without them (and the marts file with it), not twice the size."""
    marts = tmp_path / "build-marts.duckdb"
    build_with_mart(marts, 1)
    with duckdb.connect(str(marts)) as con:
        con.execute("create table marts.remplace as select range::double as valeur, md5(range::varchar) as texte "
                    "from range(300000)")
    with duckdb.connect(str(marts)) as con:  # written after it: its blocks come later in the file
        con.execute("create table marts.territoires as select range as code from range(1000)")
    bloated = marts.stat().st_size
    with duckdb.connect(str(marts)) as con:
        con.execute("drop table marts.remplace")
    assert marts.stat().st_size >= bloated  # the free blocks stay in the file
    publication = publish(marts, tmp_path / "wh" / "ctg.duckdb", tmp_path / "wh" / "parquet")
    assert publication.tables == {"marts.indicateurs": 1, "marts.territoires": 1000}
    assert publication.size_bytes < bloated / 4 and marts.stat().st_size < bloated / 4
    with duckdb.connect(str(publication.warehouse), read_only=True) as con:
        assert con.execute("select valeur from marts.indicateurs").fetchone() == (1.0,)


UV = shutil.which("uv") or str(Path(__file__).resolve().parents[2] / ".tools" / "uv" / "bin" / "uv")


@pytest.mark.skipif(not Path(UV).exists(), reason="uv is not installed (make install puts it in .tools/uv)")
@pytest.mark.parametrize("bloated", [False, True])
def test_the_published_copy_keeps_the_marts_file_s_storage_version(tmp_path, bloated):
    """dbt creates the marts file in v1.0.0 (the profile's attach); changes dbt left in its
    write-ahead log are checkpointed by publication in that version, and a file mostly free
    space is compacted in it: DuckDB 1.1 reads the copy."""
    marts = tmp_path / "build-marts.duckdb"
    with duckdb.connect() as con:
        con.execute("attach ? as m (storage_version 'v1.0.0')", [str(marts)])
        con.execute("create schema m.marts")
        con.execute("create table m.marts.indicateurs as select 2018 as annee, 1.0::double as valeur")
        if bloated:  # a table replaced, whose blocks come before those of a later one
            con.execute("create table m.marts.remplace as select md5(range::varchar) as texte from range(300000)")
            con.execute("checkpoint m")
            con.execute("create table m.marts.territoires as select range as code from range(1000)")
            con.execute("checkpoint m")
            con.execute("drop table m.marts.remplace")
    with duckdb.connect(str(marts)) as con:
        con.execute("pragma disable_checkpoint_on_shutdown")
        con.execute("set checkpoint_threshold = '1GB'")
        con.execute("insert into marts.indicateurs select 2018, range from range(1000)")
    before = marts.stat().st_size
    publication = publish(marts, tmp_path / "wh" / "ctg.duckdb", tmp_path / "wh" / "parquet")
    assert (publication.size_bytes < before / 4) == bloated  # compacted, or copied as it is
    read = ("import sys, duckdb; print(duckdb.connect(sys.argv[1], read_only=True)"
            ".execute('select count(*) from marts.indicateurs').fetchone()[0])")
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    done = subprocess.run([UV, "run", "--no-project", "--python", python, "--with", "duckdb==1.1.3", "python", "-c", read,
                           str(publication.warehouse)], capture_output=True, text=True, timeout=300,
                          env={**os.environ, "VIRTUAL_ENV": ""}, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1001"]


def test_the_parquet_copy_of_the_indicators_rewrites_only_the_years_that_changed(tmp_path):
    """marts.indicateurs' Parquet copy is a file per year: a publication links the years whose
    rows it published before, and writes the others (a corrected file changes a year or a few)."""
    marts = tmp_path / "build-marts.duckdb"
    parquet = tmp_path / "wh" / "ctg_parquet"

    def year_files() -> dict[str, int]:
        return {path.parent.name: path.stat().st_ino for path in parquet.glob("indicateurs/*/*.parquet")}

    with duckdb.connect(str(marts)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.indicateurs as select * from (values ('nb_allocataires', 2017, 10.0), "
                    "('nb_allocataires', 2018, 12.0), ('part_rsa', 2018, 5.5)) t(indicateur_code, annee, valeur)")
    assert publish(marts, tmp_path / "wh" / "ctg.duckdb", parquet).years_written == {
        "marts.indicateurs": ([2017, 2018], [])}
    first = year_files()
    assert sorted(first) == ["annee=2017", "annee=2018"]
    with duckdb.connect(str(marts)) as con:
        con.execute("update marts.indicateurs set valeur = 13.0 where annee = 2018 and indicateur_code = 'nb_allocataires'")
    assert publish(marts, tmp_path / "wh" / "ctg.duckdb", parquet).years_written == {
        "marts.indicateurs": ([2018], [2017])}
    second = year_files()
    assert second["annee=2017"] == first["annee=2017"] and second["annee=2018"] != first["annee=2018"]
    assert duckdb.sql(f"select annee, indicateur_code, valeur from '{indicateurs_parquet(parquet)}' order by all").fetchall() == [
        (2017, "nb_allocataires", 10.0), (2018, "nb_allocataires", 13.0), (2018, "part_rsa", 5.5)]
    assert entries(tmp_path / "wh") == ["<version>", "ctg.duckdb", "ctg_parquet"]  # the first version is gone
