"""The registry is the one description of the sources: dbt agrees with it, Dagster and the CLI
are derived from it."""

import dataclasses
import shutil

import pytest

from ingest.discovery import identify
from ingest.registry import SOURCE_LIST, SOURCES
from orchestration.cli import step_labels
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.transform.registry_sync import disagreements, generated_files


def test_dbt_agrees_with_the_registry():
    assert disagreements() == []


def test_a_variable_added_to_the_registry_only_is_a_disagreement():
    partner = SOURCES["caf_partenaire"]
    [model] = partner.staging
    wider = dataclasses.replace(partner, staging=(dataclasses.replace(model, variables=(*model.variables, "am_nouvelles")),))
    specs = [wider if spec is partner else spec for spec in SOURCE_LIST]

    assert disagreements(specs) == ["macros/registry.sql is stale: run `make dbt-registry`"]


def test_a_variable_list_written_in_a_staging_model_is_a_disagreement(tmp_path):
    project = tmp_path / "dbt_project"
    for folder in ("models", "macros", "seeds"):
        shutil.copytree(DBT_PROJECT_DIR / folder, project / folder)
    model = project / "models" / "staging" / "caf" / "stg_caf__partenaire.sql"
    written = [*SOURCES["caf_partenaire"].staging[0].variables, "am_nouvelles"]
    model.write_text(model.read_text(encoding="utf-8").replace("staged_variables('stg_caf__partenaire')", str(written)),
                     encoding="utf-8")

    assert disagreements(project_dir=project) == [
        "stg_caf__partenaire does not take its variables from staged_variables('stg_caf__partenaire')"]


def test_a_raw_table_no_source_loads_is_a_disagreement(tmp_path):
    project = tmp_path / "dbt_project"
    for folder in ("models", "macros", "seeds"):
        shutil.copytree(DBT_PROJECT_DIR / folder, project / folder)
    (project / "models" / "staging" / "stg_x__y.sql").write_text("select * from {{ source('raw', 'permis') }}\n")

    assert disagreements(project_dir=project) == ["stg_x__y reads raw.permis, which no registry source loads"]


def test_generated_sources_give_each_table_its_dagster_asset_key():
    sources_yml = generated_files()[DBT_PROJECT_DIR / "models" / "staging" / "_sources.yml"]
    for spec in SOURCE_LIST:
        assert f'"asset_key": ["raw", "{spec.name}"]' in sources_yml


def test_each_source_has_its_own_progress_label():
    labels = [step_labels()[f"raw__{spec.name}"] for spec in SOURCE_LIST]
    assert len(set(labels)) == len(SOURCE_LIST)
    assert step_labels()["raw__insee_naissances"] == "INSEE naissances"


@pytest.mark.parametrize(("change", "message"), [
    ({"personal": True}, "names its identifying columns"),
    ({"personal": True, "identifying": {"nom": "prenom"}}, "unknown normalisation"),
    ({"cadence": "hebdomadaire"}, "cadence"),
])
def test_a_registry_entry_that_cannot_work_is_refused(change, message):
    with pytest.raises(ValueError, match=message):
        dataclasses.replace(SOURCES["caf_partenaire"], **change)


def test_discovery_follows_the_registry_order_name_before_header(write_file):
    # A legacy name wins over a partner-like header; a renamed partner extract is found by its header.
    legacy = write_file("RSACom2018.csv", "code_commune;annee;variable;valeur\n")
    renamed = write_file("export.csv", "code_commune;annee;variable;valeur\n62160;2019;am_actives;1\n")
    assert identify(legacy, legacy.parent).source == "caf_legacy"
    assert identify(renamed, renamed.parent).source == "caf_partenaire"


def test_a_personal_source_model_outside_the_personal_folder_is_a_disagreement(tmp_path):
    project = tmp_path / "dbt_project"
    for folder in ("models", "macros", "seeds"):
        shutil.copytree(DBT_PROJECT_DIR / folder, project / folder)
    partner = SOURCES["caf_partenaire"]
    personal = dataclasses.replace(partner, personal=True, identifying={"variable": "texte"})
    specs = [personal if spec is partner else spec for spec in SOURCE_LIST]
    problems = disagreements(specs, project_dir=project)
    assert "stg_caf__partenaire holds personal data: it belongs in models/staging/personal/" in problems
