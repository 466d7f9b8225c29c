"""The fault suite (issue 12): bad days, for real (no mock of DuckDB or the filesystem), through
the ingestion and the publication a refresh runs, without dbt (seconds).

For each fault: the message that names it, what the quarantine and the archive hold, and the
build database's earlier rows or the published file intact. The faults of a whole refresh (two
at once, a dbt child killed, a build database deleted, the same inputs again) are tested in the
files the README's "Bad days" table names.
"""

from __future__ import annotations

import errno
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from test_publish import build_with_mart, sha256

from ingest.archive import Archive
from ingest.discovery import discover
from ingest.pipeline import ArchiveError, BuildDatabaseError, IngestReport, ingest_source
from ingest.registry import SOURCES
from orchestration.publish.warehouse import PublicationError, publish
from orchestration.settings import SAMPLE_DIR

LEGACY = SOURCES["caf_legacy"]
GOOD_2018 = (SAMPLE_DIR / "caf" / "NIVCOMTOTAL2018.csv").read_text(encoding="utf-8-sig")
LINES = GOOD_2018.splitlines()


@dataclass
class Day:
    landing: Path
    build_db: Path
    archive: Archive
    quarantine: Path

    def drop(self, name: str, content: str | bytes) -> IngestReport:
        path = self.landing / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
        return self.ingest()

    def ingest(self) -> IngestReport:
        return ingest_source(LEGACY, discover(self.landing), self.build_db, self.quarantine, keep_originals=False,
                             log=lambda _line: None, archive=self.archive)

    def years_loaded(self) -> list[int]:
        with duckdb.connect(str(self.build_db), read_only=True) as con:
            return [y for (y,) in con.execute("select distinct annee from raw.caf_legacy order by 1").fetchall()]

    def quarantined(self) -> list[str]:
        return sorted(p.name for p in self.quarantine.rglob("*") if p.is_file()) if self.quarantine.exists() else []

    def archived(self) -> list[str]:
        return [e.path for e in self.archive.entries()]


@pytest.fixture
def day(tmp_path) -> Day:
    """A landing folder whose NIVCOMTOTAL2013.csv an earlier night loaded and archived."""
    landing = tmp_path / "arrivee"
    (landing / "caf").mkdir(parents=True)
    shutil.copy2(SAMPLE_DIR / "caf" / "NIVCOMTOTAL2013.csv", landing / "caf")
    day = Day(landing, tmp_path / "build.duckdb", Archive(tmp_path / "archive"), tmp_path / "quarantaine")
    assert day.ingest().files_loaded == ["NIVCOMTOTAL2013.csv"]
    return day


BROKEN = {
    "ligne tronquée": ("\n".join(LINES[:5] + [LINES[5].rsplit(";", 2)[0]]) + "\n", "structure_csv", "ligne 6 : 2 champs au lieu de 4"),
    "mauvais séparateur": (GOOD_2018.replace(";", "\t"), "colonne_obligatoire", "colonne obligatoire absente"),
    "contenu binaire": (bytes(range(256)) * 40, "fichier_binaire", "n'est pas un fichier texte"),
    "colonne manquante": ("\n".join(";".join(line.split(";")[:3]) for line in LINES) + "\n", "colonne_obligatoire",
                          "colonne obligatoire absente : nb_enfants"),
    "fichier vide": ("", "fichier_vide", "le fichier est vide"),
    "en-tête seul": (LINES[0] + "\n", "fichier_vide", "aucune ligne de données"),
}


@pytest.mark.parametrize("fault", BROKEN)
def test_a_broken_file_is_quarantined_with_its_rule_and_nothing_else_moves(day, fault):
    content, rule, said = BROKEN[fault]

    report = day.drop("caf/NIVCOMTOTAL2018.csv", content)

    assert [v.rule for v in report.violations][:1] == [rule]
    assert said in str(report.violations[0]) and "caf/NIVCOMTOTAL2018.csv" in str(report.violations[0])
    assert day.quarantined() == ["NIVCOMTOTAL2018.csv", "NIVCOMTOTAL2018.csv.rapport.txt"]
    assert not (day.landing / "caf" / "NIVCOMTOTAL2018.csv").exists()  # moved, once safely copied
    assert day.archived() == ["caf/NIVCOMTOTAL2013.csv"] and day.years_loaded() == [2013]


@pytest.mark.parametrize(("fault", "content"), [
    ("Latin-1", GOOD_2018.encode("latin-1")),
    ("colonne en plus", "\n".join(line + (";Remarque" if i == 0 else ";x") for i, line in enumerate(LINES)) + "\n"),
])
def test_a_latin1_file_or_an_extra_column_is_loaded_and_archived(day, fault, content):
    report = day.drop("caf/NIVCOMTOTAL2018.csv", content)
    assert report.ok and report.files_loaded == ["NIVCOMTOTAL2018.csv"]
    assert day.archived() == ["caf/NIVCOMTOTAL2013.csv", "caf/NIVCOMTOTAL2018.csv"] and day.quarantined() == []
    assert day.years_loaded() == [2013, 2018]


def test_the_same_file_twice_is_loaded_and_archived_once(day):
    report = day.drop("caf/copie/NIVCOMTOTAL2013.csv", (SAMPLE_DIR / "caf" / "NIVCOMTOTAL2013.csv").read_bytes())
    assert report.files_loaded == [] and report.files_unchanged == ["NIVCOMTOTAL2013.csv", "NIVCOMTOTAL2013.csv"]
    assert day.archived() == ["caf/NIVCOMTOTAL2013.csv"]
    assert len(list((day.archive.root / "fichiers").rglob("*"))) == 2  # one folder, one content file


def test_a_file_of_no_known_source_is_listed_and_left_alone(day):
    (day.landing / "compte_rendu_copil.csv").write_text("date;sujet\n2024-12-10;bilan\n", encoding="utf-8")
    landing = discover(day.landing)
    assert [p.name for p in landing.unrecognised] == ["compte_rendu_copil.csv"]
    assert day.ingest().ok and day.quarantined() == [] and day.archived() == ["caf/NIVCOMTOTAL2013.csv"]
    assert (day.landing / "compte_rendu_copil.csv").exists()


NATIONAL_ROWS = 90_000  # a legacy file of national size: ingestion lasts long enough to be killed


def national_file() -> str:
    # Commune codes of mainland départements 01 to 95 (not Corsica's 20), 999 per département.
    codes = (f"{d:02d}{c:03d}" for d in range(1, 96) if d != 20 for c in range(1, 1000))
    rows = [f"Commune {n};{code};{n % 900};{n % 400}" for n, code in zip(range(NATIONAL_ROWS), codes, strict=False)]
    return "\n".join([LINES[0], *rows]) + "\n"


def test_sigkill_during_ingestion_loses_nothing_and_the_next_night_completes(day):
    (day.landing / "caf" / "NIVCOMTOTAL2018.csv").write_text(national_file(), encoding="utf-8")
    script = textwrap.dedent(f"""
        from pathlib import Path
        from ingest.archive import Archive
        from ingest.discovery import discover
        from ingest.pipeline import ingest_source
        from ingest.registry import SOURCES
        import great_expectations  # imported before the clock starts: the kill lands in the work
        print("start", flush=True)
        ingest_source(SOURCES["caf_legacy"], discover(Path({str(day.landing)!r})), Path({str(day.build_db)!r}),
                      Path({str(day.quarantine)!r}), False, log=print, archive=Archive(Path({str(day.archive.root)!r})))
        print("done", flush=True)
    """)
    night = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert night.stdout.readline().strip() == "start"
    time.sleep(1.0)  # reading, validating or loading the national file (about 2 s in all)
    night.send_signal(signal.SIGKILL)
    night.wait()

    assert 2013 in day.years_loaded()  # the build database opens, its earlier rows intact
    assert day.quarantined() == []
    report = day.ingest()  # the next night
    assert report.ok and day.years_loaded() == [2013, 2018]
    assert day.archived() == ["caf/NIVCOMTOTAL2013.csv", "caf/NIVCOMTOTAL2018.csv"]  # archived exactly once
    assert (day.landing / "caf" / "NIVCOMTOTAL2018.csv").exists()


def big_build(path: Path, rows: int) -> None:
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute(f"create table marts.indicateurs as select 'nb_allocataires' as indicateur_code, 2018 as annee, "
                    f"range::double as valeur, md5(range::varchar) as bruit from range({rows})")


def test_sigkill_during_publication_leaves_the_old_or_the_new_file_whole(tmp_path):
    warehouse, parquet = tmp_path / "wh" / "ctg.duckdb", tmp_path / "wh" / "ctg_parquet"
    build_with_mart(tmp_path / "old.duckdb", 1)
    publish(tmp_path / "old.duckdb", warehouse, parquet)
    old = sha256(warehouse)
    big_build(tmp_path / "new.duckdb", 2_000_000)
    script = (f"from pathlib import Path; from orchestration.publish.warehouse import publish; print('start', flush=True); "
              f"publish(Path({str(tmp_path / 'new.duckdb')!r}), Path({str(warehouse)!r}), Path({str(parquet)!r}))")
    night = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    assert night.stdout.readline().strip() == "start"
    time.sleep(0.5)
    night.send_signal(signal.SIGKILL)
    night.wait()

    with duckdb.connect(str(warehouse), read_only=True) as con:
        count = con.execute("select count(*) from marts.indicateurs").fetchone()[0]
    assert (sha256(warehouse) == old and count == 1) or count == 2_000_000
    publish(tmp_path / "old.duckdb", warehouse, parquet)  # the next night
    assert sorted(p.name for p in warehouse.parent.iterdir() if not p.name.startswith(".ctg_parquet.")) == \
        ["ctg.duckdb", "ctg_parquet"]  # the killed publication's leftovers are gone


@pytest.fixture
def small_disk(tmp_path):
    """A 3 MB folder: a tmpfs where the machine lets us mount one (as root here), otherwise a
    write that fails with ENOSPC (simulated at the fsync of the new file)."""
    folder = tmp_path / "petit_disque"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0 if os.geteuid() == 0 else False
    yield folder, mounted
    if mounted:
        subprocess.run(["umount", str(folder)], check=True)


def test_a_full_disk_during_publication_keeps_the_published_file_and_says_why(tmp_path, small_disk, monkeypatch):
    folder, mounted = small_disk
    warehouse, parquet = folder / "ctg.duckdb", folder / "ctg_parquet"
    build_with_mart(tmp_path / "old.duckdb", 1)
    publish(tmp_path / "old.duckdb", warehouse, parquet)
    old = sha256(warehouse)
    big_build(tmp_path / "new.duckdb", 300_000)  # about 10 MB in DuckDB: more than the disk holds
    if not mounted:
        from orchestration.publish import warehouse as module

        def full(_path):
            raise OSError(errno.ENOSPC, "No space left on device")
        monkeypatch.setattr(module, "fsync_path", full)

    with pytest.raises(PublicationError) as failure:
        publish(tmp_path / "new.duckdb", warehouse, parquet)

    message = str(failure.value)
    assert "publication impossible" in message and "l'entrepôt publié est inchangé" in message
    assert "No space left on device" in message or "space" in message.lower()
    assert sha256(warehouse) == old
    assert not [p for p in folder.iterdir() if p.name.endswith(".tmp")]  # the partial copy removed


def test_a_full_disk_while_loading_says_so_in_french_and_keeps_the_earlier_rows(tmp_path, small_disk):
    folder, mounted = small_disk
    if not mounted:
        pytest.skip("no size-limited folder here (tmpfs needs root); the simulated ENOSPC is in test_load.py")
    landing = tmp_path / "arrivee"
    (landing / "caf").mkdir(parents=True)
    shutil.copy2(SAMPLE_DIR / "caf" / "NIVCOMTOTAL2013.csv", landing / "caf")
    day = Day(landing, folder / "build.duckdb", Archive(tmp_path / "archive"), tmp_path / "quarantaine")
    assert day.ingest().files_loaded == ["NIVCOMTOTAL2013.csv"]
    (landing / "caf" / "NIVCOMTOTAL2018.csv").write_text(national_file(), encoding="utf-8")  # larger than the disk

    with pytest.raises(BuildDatabaseError) as failure:
        day.ingest()

    message = str(failure.value)
    assert "écriture impossible dans la base de construction en chargeant NIVCOMTOTAL2018.csv" in message
    assert "space" in message.lower() and "vérifiez l'espace disque" in message
    assert day.archived() == ["caf/NIVCOMTOTAL2013.csv"] and day.quarantined() == []


def test_a_full_archive_disk_stops_the_load_before_it_is_committed(day, small_disk):
    folder, mounted = small_disk
    if not mounted:
        pytest.skip("no size-limited folder here (tmpfs needs root)")
    day.archive = Archive(folder / "archive")
    (folder / "occupe").write_bytes(b"x" * (3 * 2**20 - 8192))  # the disk is all but full

    with pytest.raises(ArchiveError) as failure:
        day.drop("caf/NIVCOMTOTAL2018.csv", GOOD_2018)

    assert "archivage impossible de NIVCOMTOTAL2018.csv" in str(failure.value)
    assert "No space left on device" in str(failure.value)
    assert day.years_loaded() == [2013]  # not loaded without its archive copy: the next night retries
