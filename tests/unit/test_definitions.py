import dagster as dg

from ingest.registry import SOURCE_LIST
from orchestration.definitions import FULL_REFRESH_JOB, build_definitions
from orchestration.ingest.assets import CONTRACT_CHECK, FRESHNESS_CHECK
from orchestration.schedules import landing_sensor
from orchestration.settings import Settings


def settings(tmp_path):
    return Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "wh" / "ctg.duckdb", territory_epci="246200729")


def test_code_location_has_the_refresh_job_its_schedule_and_sensor(tmp_path):
    defs = build_definitions(settings(tmp_path))
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"raw/caf_legacy", "raw/insee_populations_legales", "raw/territoire_communes",
            "marts/indicateurs", "published/warehouse"} <= keys
    job = defs.resolve_job_def(FULL_REFRESH_JOB)
    assert {key.to_user_string() for key in job.asset_layer.selected_asset_keys} == keys
    assert defs.resolve_schedule_def("nightly_refresh").cron_schedule == "0 2 * * *"
    assert defs.resolve_sensor_def("landing_sensor") is not None


def test_ingest_contract_checks_block_and_dbt_tests_are_checks(tmp_path):
    graph = build_definitions(settings(tmp_path)).resolve_asset_graph()
    checks = {key: graph.get_check_spec(key) for key in graph.asset_check_keys}
    contracts = [spec for key, spec in checks.items() if key.asset_key.path[0] == "raw" and key.name == CONTRACT_CHECK]
    assert len(contracts) == len(SOURCE_LIST) + 1 and all(spec.blocking for spec in contracts)
    freshness = [spec for key, spec in checks.items() if key.name == FRESHNESS_CHECK]
    assert len(freshness) == len(SOURCE_LIST) and not any(spec.blocking for spec in freshness)
    assert any(key.asset_key.path == ["marts", "indicateurs"] for key in checks)


def test_landing_sensor_requests_a_run_only_when_files_change_and_have_settled(tmp_path):
    config = settings(tmp_path)
    config.landing_dir.mkdir()
    (config.landing_dir / "NIVCOMTOTAL2018.csv").write_text("x", encoding="utf-8")
    sensor = landing_sensor(dg.define_asset_job("job"), config)

    def evaluate(previous=None):
        context = dg.build_sensor_context(cursor=previous.cursor if previous else None)
        return context, sensor(context)

    first, result = evaluate()  # a new file: seen once, not read yet
    assert isinstance(result, dg.SkipReason) and "NIVCOMTOTAL2018.csv" in result.skip_message
    settled, request = evaluate(first)  # unchanged at the next evaluation: read
    assert isinstance(request, dg.RunRequest) and request.tags["ctg/fichiers_modifies"] == "NIVCOMTOTAL2018.csv"
    unchanged, result = evaluate(settled)
    assert isinstance(result, dg.SkipReason) and "aucun fichier nouveau" in result.skip_message

    # A file still being copied (its size grows between evaluations) is never read half-written.
    growing = config.landing_dir / "ConfigFamiliale2018.csv"
    growing.write_text("y", encoding="utf-8")
    copying, result = evaluate(unchanged)
    assert isinstance(result, dg.SkipReason)
    growing.write_text("y" * 1000, encoding="utf-8")
    still_copying, result = evaluate(copying)
    assert isinstance(result, dg.SkipReason) and "ConfigFamiliale2018.csv" in result.skip_message
    _done, request = evaluate(still_copying)
    assert isinstance(request, dg.RunRequest) and request.tags["ctg/fichiers_modifies"] == "ConfigFamiliale2018.csv"


def test_settings_reach_dbt_as_vars_not_through_the_environment(tmp_path, monkeypatch):
    import json
    import os

    from orchestration.cli import main as _cli  # noqa: F401  (importing the CLI changes nothing)

    monkeypatch.setenv("CTG_TOUTES_COMMUNES_DEPARTEMENT", "1")
    monkeypatch.delenv("CTG_BUILD_DB", raising=False)
    monkeypatch.delenv("CTG_STORAGE_VERSION", raising=False)
    config = Settings.from_env()
    assert config.all_departement_communes is True
    assert json.loads(json.dumps(config.dbt_vars())) == {
        "build_db": str(config.build_db), "marts_db": str(config.marts_db), "storage_version": "v1.0.0",
        "toutes_communes_departement": True}
    build_definitions(settings(tmp_path))
    assert "CTG_BUILD_DB" not in os.environ
