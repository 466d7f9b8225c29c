"""The archive of loaded files (issue 12): by content hash, corrections kept, the build
database rebuilt from it alone. Ingestion only, no dbt: seconds."""

import json
import shutil
import time

import duckdb
import pytest

from ingest import personal
from ingest.archive import Archive, replay
from ingest.discovery import discover
from ingest.pipeline import ingest_source
from ingest.registry import SOURCE_LIST, SOURCES
from ingest.sources.caf_legacy import THEMES
from orchestration.cli import main, outdated_sources, restore_from_archive
from orchestration.settings import SAMPLE_DIR, Settings

LEGACY = SOURCES["caf_legacy"]


def ingest_all(landing, build_db, archive, tmp_path):
    for spec in SOURCE_LIST:
        ingest_source(spec, discover(landing), build_db, tmp_path / "quarantaine", keep_originals=True,
                      log=lambda _line: None, pseudo_key=personal.DEVELOPMENT_KEY, archive=archive)


def raw_tables(build_db, skip=()) -> dict[str, list]:
    """Every raw table's rows, without the load time (a rebuild loads at another time)."""
    with duckdb.connect(str(build_db), read_only=True) as con:
        tables = [t for (t,) in con.execute(
            "select table_name from duckdb_tables() where schema_name = 'raw' order by 1").fetchall()]
        contents = {}
        for table in tables:
            if table in skip:
                continue
            columns = [c for (c,) in con.execute(
                "select column_name from duckdb_columns() where schema_name = 'raw' and table_name = ? "
                "and column_name not in ('loaded_at') order by column_index", [table]).fetchall()]
            select = ", ".join(f'"{c}"' for c in columns)
            contents[table] = con.execute(f"select {select} from raw.{table} order by all").fetchall()
    return contents


def legacy_value(build_db, year=2018, commune="62075", variable="nb_pers_par_foyer_alloc", theme="nivcomtotal"):
    column = THEMES[theme].value_column(variable)
    with duckdb.connect(str(build_db), read_only=True) as con:
        return con.execute(
            f"select {column}, source_file from raw.caf_legacy where theme = ? and annee = ? and code_commune = ?",
            [theme, year, commune]).fetchone()


# A few files of each kind: named by theme and year, by folder year, corrected in arrival order
# (follow-up), checked against another source (activity after inventory), personal data.
SUBSET = ["caf/NIVCOMTOTAL2013.csv", "caf/NIVCOMTOTAL2018.csv", "insee/populations_legales/2011/donnees_communes.csv",
          "insee/populations_legales/2016/donnees_communes.csv", "suivi/suivi_plan_action.csv",
          "structures/inventaire_structures.csv", "structures/activite_structures.csv",
          "permis_louer/allocations_logement_adresses.csv"]


def sample_subset(folder, names=SUBSET):
    for name in names:
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(SAMPLE_DIR / name, folder / name)
    return folder


@pytest.fixture
def landing(tmp_path):
    return sample_subset(tmp_path / "arrivee", SUBSET[:2])


def corrected_nivcom(landing):
    """NIVCOMTOTAL2018.csv dropped again, corrected: Baincthun's foyers change."""
    path = landing / "caf" / "NIVCOMTOTAL2018.csv"
    text = path.read_text(encoding="utf-8-sig")
    assert "\nBaincthun;62075;657;324\n" in text
    path.write_text(text.replace("\nBaincthun;62075;657;324\n", "\nBaincthun;62075;664;324\n"), encoding="utf-8")
    return 664


def test_a_file_is_archived_once_and_a_correction_supersedes_it_while_both_stay(landing, tmp_path):
    archive = Archive(tmp_path / "archive")
    build_db = tmp_path / "build.duckdb"
    ingest_source(LEGACY, discover(landing), build_db, tmp_path / "q", True, log=lambda _l: None, archive=archive)
    first = {e.path: e.sha256 for e in archive.entries()}
    assert sorted(first) == ["caf/NIVCOMTOTAL2013.csv", "caf/NIVCOMTOTAL2018.csv"]
    ingest_source(LEGACY, discover(landing), build_db, tmp_path / "q", True, log=lambda _l: None, archive=archive)
    assert len(archive.entries()) == len(first)  # the same files again: recognised, nothing new

    corrected = corrected_nivcom(landing)
    ingest_source(LEGACY, discover(landing), build_db, tmp_path / "q", True, log=lambda _l: None, archive=archive)

    versions = [e for e in archive.entries() if e.path == "caf/NIVCOMTOTAL2018.csv"]
    assert [v.sha256 for v in versions][0] == first["caf/NIVCOMTOTAL2018.csv"] and len(versions) == 2
    assert all(archive.content_path(v.sha256).is_file() for v in versions)  # both kept
    rebuilt = tmp_path / "rebuilt.duckdb"
    replay(archive, SOURCE_LIST, lambda spec, lnd: ingest_source(spec, lnd, rebuilt, tmp_path / "q", True,
                                                                  log=lambda _l: None))
    assert legacy_value(rebuilt) == (corrected, "NIVCOMTOTAL2018.csv")  # the newer supersedes


def test_the_build_database_is_rebuilt_from_the_archive_alone_to_the_same_rows(tmp_path):
    landing = sample_subset(tmp_path / "arrivee")
    archive = Archive(tmp_path / "archive")
    build_db = tmp_path / "build.duckdb"
    ingest_all(landing, build_db, archive, tmp_path)
    # A follow-up file corrected later under the same name: both versions count, in arrival order.
    follow_up = landing / "suivi" / "suivi_plan_action.csv"
    lines = follow_up.read_text(encoding="utf-8").splitlines()
    assert lines[1].startswith("1;OG5;a1_projets_mutualises;2021;0;")
    follow_up.write_text("\n".join([lines[0], lines[1].replace(";2021;0;", ";2021;2;", 1)]) + "\n", encoding="utf-8")
    time.sleep(1.1)  # arrival dates are to the second
    ingest_source(SOURCES["suivi_plan_action"], discover(landing), build_db, tmp_path / "q", True,
                  log=lambda _line: None, archive=archive)

    personal_tables = {spec.table.split(".")[1] for spec in SOURCE_LIST if spec.personal}
    shutil.rmtree(landing)  # the landing folder is gone too: the archive alone
    rebuilt = tmp_path / "rebuilt.duckdb"
    replay(archive, SOURCE_LIST, lambda spec, lnd: ingest_source(spec, lnd, rebuilt, tmp_path / "q", True,
                                                                  log=lambda _l: None))

    before, after = raw_tables(build_db, skip=personal_tables), raw_tables(rebuilt, skip=personal_tables)
    before["_chargements"] = [row for row in before["_chargements"] if row[0].split(".")[1] not in personal_tables]
    assert sum(len(rows) for rows in after.values()) > 500
    assert {t for t, rows in after.items() if rows} == {t for t, rows in before.items() if rows}
    for table in before:
        assert after.get(table, []) == before[table], table
    with duckdb.connect(str(rebuilt), read_only=True) as con:
        corrected = con.execute("select valeur from raw.suivi_plan_action where indicateur_code = "
                                "'a1_projets_mutualises' and annee = 2021").fetchall()
    assert corrected == [(2.0,)]  # the later version corrected the earlier one, same name
    personal_files = [e for e in archive.entries() if not e.content]
    assert personal_files and not any(archive.content_path(e.sha256).exists() for e in personal_files)


def test_a_withdrawn_file_is_left_out_of_the_rebuild(landing, tmp_path, capfd):
    settings = Settings(landing_dir=landing, warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")
    archive = Archive(settings.archive_dir)
    ingest_source(LEGACY, discover(landing), settings.build_db, tmp_path / "q", True, log=lambda _l: None,
                  archive=archive)

    assert main(["archive", "--landing", str(landing), "--warehouse", str(settings.warehouse),
                 "--retirer", "NIVCOMTOTAL2018.csv"]) == 0
    assert "retiré : caf/NIVCOMTOTAL2018.csv" in capfd.readouterr().out
    assert main(["archive", "--landing", str(landing), "--warehouse", str(settings.warehouse),
                 "--retirer", "inconnu.csv"]) == 1

    settings.build_db.unlink()  # what `ctg refresh --rebuild` does first, then:
    restore_from_archive(settings, SOURCE_LIST)
    assert "reconstruite à partir de l'archive" in capfd.readouterr().out
    assert legacy_value(settings.build_db) is None and legacy_value(settings.build_db, year=2013) is not None
    assert main(["archive", "--landing", str(landing), "--warehouse", str(settings.warehouse)]) == 0
    listing = capfd.readouterr().out
    assert "caf/NIVCOMTOTAL2013.csv" in listing and "NIVCOMTOTAL2018.csv" not in listing


def test_a_file_lost_from_the_archive_is_named_and_the_others_rebuilt(landing, tmp_path, capfd):
    settings = Settings(landing_dir=landing, warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")
    archive = Archive(settings.archive_dir)
    ingest_source(LEGACY, discover(landing), settings.build_db, tmp_path / "q", True, log=lambda _l: None,
                  archive=archive)
    lost = next(e for e in archive.entries() if e.path == "caf/NIVCOMTOTAL2018.csv")
    archive.content_path(lost.sha256).unlink()
    settings.build_db.unlink()

    restore_from_archive(settings, SOURCE_LIST)

    assert "contenu absent de l'archive, non rechargé : caf/NIVCOMTOTAL2018.csv" in capfd.readouterr().out
    assert legacy_value(settings.build_db) is None and legacy_value(settings.build_db, year=2013) is not None


def test_a_name_several_years_share_is_not_withdrawn_without_its_path(tmp_path, capfd):
    landing = sample_subset(tmp_path / "arrivee", SUBSET[2:4])  # 2011/ and 2016/donnees_communes.csv
    settings = Settings(landing_dir=landing, warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")
    archive = Archive(settings.archive_dir)
    ingest_source(SOURCES["insee_populations_legales"], discover(landing), settings.build_db, tmp_path / "q", True,
                  log=lambda _l: None, archive=archive)
    command = ["archive", "--landing", str(landing), "--warehouse", str(settings.warehouse), "--retirer"]

    assert main([*command, "donnees_communes.csv"]) == 1
    said = capfd.readouterr().err
    assert "plusieurs fichiers archivés" in said and "insee/populations_legales/2011/donnees_communes.csv" in said
    assert len(archive.entries()) == 2  # nothing withdrawn
    assert main([*command, "insee/populations_legales/2011/donnees_communes.csv"]) == 0
    assert [e.path for e in archive.entries()] == ["insee/populations_legales/2016/donnees_communes.csv"]


def test_a_line_torn_by_a_crash_is_ignored(tmp_path, landing):
    archive = Archive(tmp_path / "archive")
    ingest_source(LEGACY, discover(landing), tmp_path / "b.duckdb", tmp_path / "q", True, log=lambda _l: None,
                  archive=archive)
    count = len(archive.entries())
    with archive.index.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({"action": "charge", "sha256": "ab"})[:20])  # power lost mid-line
    assert len(archive.entries()) == count


# The DDL of raw.caf_legacy until 2026-11: one row per commune and variable.
LONG_LEGACY = ("theme varchar not null, annee integer not null, code_commune varchar not null, "
               "libelle_commune varchar, est_special boolean not null, variable varchar not null, "
               "valeur bigint, ligne bigint not null")


def test_a_raw_table_in_an_earlier_layout_is_reloaded_from_the_archive(landing, tmp_path, capfd):
    """A build database of an earlier version, its legacy rows long: `ctg refresh` reloads them
    from the archive into the current layout, even once the files left the landing folder; the
    other sources' rows and loads stay."""
    settings = Settings(landing_dir=landing, warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")
    archive = Archive(settings.archive_dir)
    sample_subset(landing, SUBSET[2:3])  # a population file too
    for spec in (LEGACY, SOURCES["insee_populations_legales"]):
        ingest_source(spec, discover(landing), settings.build_db, tmp_path / "q", True, log=lambda _l: None,
                      archive=archive)
    with duckdb.connect(str(settings.build_db)) as con:  # what the earlier version left
        con.execute("drop table raw.caf_legacy")
        con.execute(f"create table raw.caf_legacy ({LONG_LEGACY}, source_file varchar not null, "
                    "file_hash varchar not null, loaded_at timestamptz not null)")
        con.execute("insert into raw.caf_legacy values ('nivcomtotal', 2018, '62075', 'Baincthun', false, "
                    "'nb_pers_par_foyer_alloc', 657, 2, 'NIVCOMTOTAL2018.csv', 'x', now())")
        populations = con.execute("select count(*) from raw.insee_populations_legales").fetchone()
    shutil.rmtree(landing / "caf")
    assert [spec.name for spec in outdated_sources(settings, SOURCE_LIST)] == ["caf_legacy"]

    restore_from_archive(settings, outdated_sources(settings, SOURCE_LIST), whole=False)

    assert "tables brutes au format d'une version précédente (CAF fichiers communaux historiques)" in capfd.readouterr().out
    assert legacy_value(settings.build_db) == (657, "NIVCOMTOTAL2018.csv")
    assert legacy_value(settings.build_db, year=2013) is not None
    assert outdated_sources(settings, SOURCE_LIST) == []
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        assert con.execute("select count(*) from raw.insee_populations_legales").fetchone() == populations
        loads = dict(con.execute("select table_name, count(*) from raw._chargements group by 1").fetchall())
    assert loads == {"raw.caf_legacy": 2, "raw.insee_populations_legales": 1}


def test_a_raw_table_in_an_earlier_layout_without_archived_files_is_said_to_reload_from_the_landing(tmp_path, capfd):
    settings = Settings(landing_dir=tmp_path / "arrivee", warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")

    restore_from_archive(settings, [LEGACY], whole=False)

    assert ("tables brutes au format d'une version précédente (CAF fichiers communaux historiques) : vidées, "
            "rechargées à partir du dossier d'arrivée") in capfd.readouterr().out
