"""The dbt resource skips two start-up costs of dagster-dbt by overriding its private methods:
an upgrade of dagster-dbt that renames them must fail here, not silently slow every refresh."""

from importlib import metadata

from dagster_dbt import DbtCliResource

from orchestration.transform.dbt import CtgDbtCliResource, dbt_resource


def test_the_overridden_dagster_dbt_methods_still_exist():
    assert "_cli_version" in vars(DbtCliResource)
    assert "_initialize_dbt_core_adapter" in vars(DbtCliResource)


def test_the_dbt_version_is_read_from_the_installed_package_without_running_dbt(monkeypatch):
    import subprocess

    def no_subprocess(*_args, **_kwargs):
        raise AssertionError("dbt --version was run in a subprocess")

    monkeypatch.setattr(subprocess, "check_output", no_subprocess)
    resource = dbt_resource()
    assert isinstance(resource, CtgDbtCliResource)
    assert str(resource._cli_version) == metadata.version("dbt-core")
    assert resource._initialize_dbt_core_adapter(["build"]) is None


# The Dagster definitions as a refresh builds them, written as JSON; dbt-core visible to
# dagster-dbt when the first argument says so (dagster-dbt imported before the refresh's code).
DEFINITIONS_AS_JSON = """
import json, sys
if sys.argv[1] == "dbt-core":
    import dagster_dbt  # noqa: F401
from pathlib import Path
from orchestration.definitions import build_definitions
from orchestration.settings import SAMPLE_DIR, Settings
from dagster_dbt.compat import DBT_PYTHON_VERSION
settings = Settings(landing_dir=SAMPLE_DIR, warehouse=Path(sys.argv[2]), territory_epci="246200729")
defs = build_definitions(settings)
graph = defs.resolve_asset_graph()
dbt_assets = next(a for a in defs.assets if getattr(a, "op", None) is not None and a.op.name == "ctg_dbt_assets")
print(json.dumps({
    "dbt_core_imported": "dbt.version" in sys.modules,
    "dbt_version_seen": str(DBT_PYTHON_VERSION),
    "assets": {key.to_user_string(): sorted(parent.to_user_string() for parent in graph.get(key).parent_keys)
               for key in graph.get_all_asset_keys()},
    "checks": sorted(str(spec.key) + (" (bloquant)" if spec.blocking else "") for spec in dbt_assets.check_specs),
}))
"""


def test_dagster_dbt_without_dbt_core_gives_the_same_assets_and_checks(tmp_path):
    """The refresh's process imports dagster-dbt with dbt-core hidden (dbt_core.py, 2 s of
    start-up): the asset graph and the dbt tests as checks must be those dagster-dbt builds
    with dbt-core."""
    import json
    import subprocess
    import sys

    runs = {way: subprocess.Popen([sys.executable, "-c", DEFINITIONS_AS_JSON, way, str(tmp_path / way / "ctg.duckdb")],
                                  stdout=subprocess.PIPE, text=True) for way in ("dbt-core", "refresh")}
    found = {way: json.loads(run.communicate(timeout=300)[0]) for way, run in runs.items()}
    assert found["dbt-core"].pop("dbt_version_seen") == metadata.version("dbt-core")
    assert found["refresh"].pop("dbt_version_seen") == "None"
    assert found["dbt-core"].pop("dbt_core_imported") is True
    assert found["refresh"].pop("dbt_core_imported") is False
    assert found["refresh"] == found["dbt-core"]
    assert "marts/indicateurs" in found["refresh"]["assets"] and len(found["refresh"]["checks"]) > 50


def test_each_checkout_of_the_project_has_its_own_dbt_target_folder(tmp_path, monkeypatch):
    """A partial parse keeps the absolute paths of the seeds: a warehouse shared by two
    checkouts (or a project moved) must not hand one checkout's parse to the other."""
    from orchestration import settings as settings_module

    settings = settings_module.Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "ctg.duckdb",
                                        territory_epci="246200729")
    here = settings.dbt_target_dir
    assert here.parent == settings.build_db.parent and here.name.startswith(f"{settings.build_db.stem}-dbt-")
    monkeypatch.setattr(settings_module, "DBT_PROJECT_DIR", tmp_path / "another_checkout" / "dbt_project")
    assert settings.dbt_target_dir != here and settings.dbt_target_dir.parent == here.parent


def marts_settings(tmp_path):
    import duckdb

    from orchestration.settings import Settings

    settings = Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")
    settings.build_db.parent.mkdir(parents=True)
    duckdb.connect(str(settings.build_db)).close()
    with duckdb.connect(str(settings.marts_db)) as con:
        con.execute("create schema marts; create table marts.indicateurs as select 1 as valeur")
    settings.marts_db.with_name(settings.marts_db.name + ".wal").write_bytes(b"")
    return settings


def test_a_whole_rebuild_starts_a_new_marts_file(tmp_path):
    import duckdb

    from orchestration.transform.dbt import start_marts_anew

    settings = marts_settings(tmp_path)
    with duckdb.connect(str(settings.build_db)) as con:  # where an earlier version built the marts
        con.execute("create schema marts; create table marts.indicateurs as select 1 as valeur")
    start_marts_anew(settings)
    assert not settings.marts_db.exists() and not settings.marts_db.with_name(settings.marts_db.name + ".wal").exists()
    with duckdb.connect(str(settings.build_db)) as con:
        assert con.execute("select count(*) from duckdb_schemas() where schema_name = 'marts'").fetchone() == (0,)
    settings.marts_db.write_bytes(b"cut short by a crash")  # unreadable: removed all the same
    start_marts_anew(settings)
    assert not settings.marts_db.exists()


def test_the_marts_file_another_run_uses_is_not_removed(tmp_path):
    """A run of the Dagster daemon starting while `ctg refresh` publishes: it stops on DuckDB's
    lock, as dbt would on the build database, and the marts file stays whole."""
    import subprocess
    import sys

    import duckdb
    import pytest

    from orchestration.transform.dbt import start_marts_anew

    settings = marts_settings(tmp_path)
    for held in (settings.marts_db, settings.build_db):
        holder = subprocess.Popen([sys.executable, "-c", f"import duckdb, sys; con = duckdb.connect({str(held)!r}); "
                                   "print('ok', flush=True); sys.stdin.read()"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == "ok"
            with pytest.raises(duckdb.IOException, match="lock"):
                start_marts_anew(settings)
        finally:
            holder.communicate("")
        assert settings.marts_db.exists()
