"""The first rows that break a dbt test, printed by `ctg refresh`: its query from the run's
run_results.json, run again on the build database; never for a model of personal data."""

import json
from types import SimpleNamespace

import dagster as dg
import duckdb

from orchestration.cli import check_lines, reads_personal_data
from orchestration.settings import Settings


def failed_test(tmp_path, model: str, joined: str | None = None) -> tuple[Settings, SimpleNamespace]:
    settings = Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")
    settings.build_db.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema staging")
        con.execute(f"create table staging.{model} as select * from (values ('62160', 2018), ('62160', 2018), "
                    "('62001', 2018)) as t(code_commune, annee)")
    query = (f'select code_commune, annee, count(*) as n from "staging"."{model}" group by all having count(*) > 1\n'
             "-- a comment dbt leaves at the end of a test")
    if joined:  # a singular test reading another model too
        query = query.replace("group by", f'where code_commune not in (select code_commune from "staging"."{joined}") group by')
    settings.dbt_target_dir.mkdir()
    (settings.dbt_target_dir / "run_results.json").write_text(json.dumps({"results": [
        {"unique_id": "model.ctg.autre", "status": "success", "compiled_code": "select 1"},
        {"unique_id": f"test.ctg.unique_combination_{model}.1f2e3d", "status": "fail", "compiled_code": query},
    ]}), encoding="utf-8")
    evaluation = SimpleNamespace(check_name=f"unique_combination_{model}", asset_key=dg.AssetKey(["staging", model]),
                                 metadata={"dagster_dbt/failed_row_count": SimpleNamespace(value=1)})
    return settings, evaluation


def test_a_failed_dbt_test_is_printed_with_its_first_rows(tmp_path):
    settings, evaluation = failed_test(tmp_path, "stg_caf__aah")
    assert check_lines(evaluation, settings) == [
        "contrôle « unique_combination_stg_caf__aah » sur staging/stg_caf__aah :",
        "  1 ligne(s) ne respectent pas la règle (test dbt), par exemple :",
        "    code_commune=62160, annee=2018, n=2",
    ]


def test_rows_of_personal_data_are_never_printed(tmp_path):
    settings, evaluation = failed_test(tmp_path, "stg_permis__dossiers")
    assert check_lines(evaluation, settings) == [
        "contrôle « unique_combination_stg_permis__dossiers » sur staging/stg_permis__dossiers :",
        "  1 ligne(s) ne respectent pas la règle (test dbt)",
    ]


def test_rows_of_a_test_reading_personal_data_are_never_printed(tmp_path):
    settings, evaluation = failed_test(tmp_path, "stg_caf__aah", joined="stg_caf__allocations_logement_adresses")
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create table staging.stg_caf__allocations_logement_adresses as select '62001' as code_commune")
    assert check_lines(evaluation, settings)[1:] == ["  1 ligne(s) ne respectent pas la règle (test dbt)"]


def test_a_test_that_passed_in_the_recorded_build_prints_no_rows(tmp_path):
    """run_results.json of an earlier build (dbt killed before writing its own): the query it
    holds for a test that passed then is not the failing one."""
    settings, evaluation = failed_test(tmp_path, "stg_caf__aah")
    results = settings.dbt_target_dir / "run_results.json"
    results.write_text(results.read_text(encoding="utf-8").replace('"fail"', '"pass"'), encoding="utf-8")
    assert check_lines(evaluation, settings)[1:] == ["  1 ligne(s) ne respectent pas la règle (test dbt)"]


def test_the_models_reading_a_personal_model_directly_are_personal_too():
    assert reads_personal_data("stg_permis__dossiers", None)
    assert reads_personal_data("int_permis__dossiers", None)  # each dossier, by token
    assert reads_personal_data("int_indicateurs__permis", None)  # reads the CAF's addresses: the count alone
    assert not reads_personal_data("permis_louer_communes", None)  # a mart of counts, one step further
    assert not reads_personal_data("indicateurs", 'select * from "marts"."indicateurs"')
