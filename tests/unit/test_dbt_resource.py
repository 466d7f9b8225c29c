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
