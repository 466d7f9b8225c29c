"""What the incremental refresh recomputes (orchestration.incremental), on a small build database."""

import shutil
from dataclasses import replace

import duckdb

from orchestration import incremental
from orchestration.settings import DBT_PROJECT_DIR, Settings

TABLES = ["raw.caf_legacy", "raw.suivi_plan_action"]


def build_with_two_tables(tmp_path) -> Settings:
    settings = Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")
    settings.build_db.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.caf_legacy as select range as code, range * 2 as valeur from range(1000)")
        con.execute("create table raw.suivi_plan_action as select 'a1' as indicateur, 3 as valeur")
    return settings


def test_only_the_table_whose_rows_changed_is_recomputed(tmp_path):
    settings = build_with_two_tables(tmp_path)
    assert incremental.changed_tables(settings, TABLES) is None  # never built: everything
    incremental.record_success(settings, TABLES)
    assert incremental.has_record(settings)
    assert incremental.changed_tables(settings, TABLES) == set()

    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("update raw.suivi_plan_action set valeur = 4")
    assert incremental.changed_tables(settings, TABLES) == {"raw.suivi_plan_action"}

    # Rows swapped between two keys: same count, same sum of values, still a change.
    incremental.record_success(settings, TABLES)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("update raw.caf_legacy set valeur = case code when 1 then 4 when 2 then 2 else valeur end")
    assert incremental.changed_tables(settings, TABLES) == {"raw.caf_legacy"}


def test_a_table_that_appears_or_disappears_is_a_change(tmp_path):
    settings = build_with_two_tables(tmp_path)
    incremental.record_success(settings, [*TABLES, "raw.caf_onape"])
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create table raw.caf_onape as select 1 as x")
        con.execute("drop table raw.suivi_plan_action")
    assert incremental.changed_tables(settings, [*TABLES, "raw.caf_onape"]) == {"raw.caf_onape", "raw.suivi_plan_action"}


def test_a_failed_refresh_or_other_settings_recompute_everything(tmp_path):
    settings = build_with_two_tables(tmp_path)
    incremental.record_success(settings, TABLES)
    assert incremental.changed_tables(replace(settings, territory_epci="all-in-departement"), TABLES) is None
    assert incremental.changed_tables(replace(settings, all_departement_communes=True), TABLES) is None
    incremental.forget(settings)
    assert incremental.changed_tables(settings, TABLES) is None


def test_the_project_fingerprint_follows_models_and_seeds_not_the_build_path(tmp_path):
    project = tmp_path / "dbt_project"
    for part in ("models", "seeds", "macros"):
        shutil.copytree(DBT_PROJECT_DIR / part, project / part)
    shutil.copy(DBT_PROJECT_DIR / "dbt_project.yml", project)
    settings = Settings(landing_dir=tmp_path / "a", warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")
    before = incremental.project_fingerprint(settings, project)
    elsewhere = Settings(landing_dir=tmp_path / "b", warehouse=tmp_path / "x" / "ctg.duckdb", territory_epci="246200729")
    assert incremental.project_fingerprint(elsewhere, project) == before
    (project / "target").mkdir()  # what dbt writes is not the project
    (project / "target" / "manifest.json").write_text("{}")
    assert incremental.project_fingerprint(settings, project) == before
    groups = project / "seeds" / "groupements.csv"
    groups.write_text(groups.read_text(encoding="utf-8") + "g,Groupe,commune,62160\n", encoding="utf-8")
    assert incremental.project_fingerprint(settings, project) != before
