"""What `ctg refresh` checks before it starts a run (no refresh here: seconds)."""

import shutil
import subprocess
import sys

import duckdb

from ingest.discovery import discover
from ingest.pipeline import ingest_source
from ingest.registry import SOURCES
from orchestration.cli import set_aside_unreadable_build
from orchestration.settings import SAMPLE_DIR, Settings


def loaded_build(tmp_path) -> Settings:
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_DIR / "insee" / "populations_legales", landing)
    settings = Settings(landing_dir=landing, warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")
    ingest_source(SOURCES["insee_populations_legales"], discover(landing), settings.build_db, tmp_path / "q", False,
                  log=lambda _m: None)
    return settings


def test_a_build_database_cut_short_is_set_aside_so_that_the_refresh_rebuilds_it(tmp_path, capfd):
    settings = loaded_build(tmp_path)
    with settings.build_db.open("r+b") as handle:  # a crash or a full disk cut it short
        handle.truncate(settings.build_db.stat().st_size // 2)

    set_aside_unreadable_build(settings)

    assert not settings.build_db.exists()  # the refresh starts from the landing folder, as --rebuild does
    assert [p.name.split(".illisible-")[0] for p in settings.build_db.parent.glob("*.illisible-*")] == [settings.build_db.name]
    assert "base de construction illisible" in capfd.readouterr().out


def test_a_sound_build_database_is_kept(tmp_path):
    settings = loaded_build(tmp_path)
    set_aside_unreadable_build(settings)
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        assert con.execute("select count(*) from raw._chargements").fetchone() == (2,)


def test_a_territory_that_is_no_siren_nor_keyword_is_refused_before_anything_runs(tmp_path, capsys, monkeypatch):
    import pytest

    from orchestration.cli import main

    monkeypatch.delenv("CTG_TERRITORY_EPCI", raising=False)
    warehouse = tmp_path / "ctg.duckdb"
    with pytest.raises(SystemExit) as stopped:
        main(["refresh", "--sample", "--warehouse", str(warehouse), "--territory", "246200729,Boulonnais"])
    assert "territoire « Boulonnais » invalide" in str(stopped.value)
    assert not warehouse.exists() and not (tmp_path / ".build").exists()


def test_a_storage_version_that_is_no_duckdb_version_is_refused_before_anything_runs(tmp_path, monkeypatch):
    import pytest

    from orchestration.cli import main

    monkeypatch.setenv("CTG_STORAGE_VERSION", "v1")
    warehouse = tmp_path / "ctg.duckdb"
    with pytest.raises(SystemExit) as stopped:
        main(["refresh", "--sample", "--warehouse", str(warehouse)])
    assert "CTG_STORAGE_VERSION « v1 » : attendu une version DuckDB comme v1.0.0" in str(stopped.value)
    assert not warehouse.exists() and not (tmp_path / ".build").exists()


def test_the_ctg_command_keeps_the_exit_code_and_runs_exit_handlers():
    """`ctg` ends without Python's teardown (os._exit), but not before its threads and exit
    handlers are done, nor with another exit code than the command's."""
    program = ("import atexit, sys, threading, time\n"
               "from orchestration import cli\n"
               "atexit.register(lambda: print('journal vidé'))\n"
               "from concurrent.futures import ThreadPoolExecutor\n"
               "def command():\n"
               "    threading.Thread(target=lambda: (time.sleep(0.3), print('fil terminé'))).start()\n"
               "    ThreadPoolExecutor(1).submit(lambda: None).result()  # a pool never shut down\n"
               "    print('rafraîchi')\n"
               "    return 3\n"
               "cli.main = command\n"
               "cli.entry()\n"
               "print('jamais affiché')\n")
    done = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert done.returncode == 3
    assert done.stdout.splitlines() == ["rafraîchi", "fil terminé", "journal vidé"]
    usage = subprocess.run([sys.executable, "-c", "import sys; sys.argv = ['ctg', 'inconnue']\n"
                            "from orchestration import cli; cli.entry()"], capture_output=True, text=True, timeout=60)
    assert usage.returncode == 2 and "invalid choice" in usage.stderr
