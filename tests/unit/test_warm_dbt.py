"""The dbt a refresh starts ahead of time (warm_dbt.py): the command dagster-dbt runs through
`ctg-dbt` gives the same output and exit code as a dbt of its own (the fallback to a dbt of
its own: test_dbt_child.py)."""

import argparse
import os
import subprocess
import time

import pytest

from orchestration.cli import resolve_settings
from orchestration.settings import DBT_PROJECT_DIR
from orchestration.transform.dbt_child import dbt_executable
from orchestration.transform.warm_dbt import SOCKET_VARIABLE, WarmDbt, same_command_context

pytestmark = pytest.mark.xdist_group("warm_dbt")


@pytest.fixture(scope="module")
def dbt_vars() -> str:
    # The sample's vars: `make install` parsed the project with them (a partial parse to reuse).
    # Nothing here opens the database they name.
    args = argparse.Namespace(sample=True, landing=None, warehouse=None, territory=None, all_departement_communes=False)
    return resolve_settings(args).dbt_vars_json()


def ctg_dbt(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """ctg-dbt as dagster-dbt starts it: from the project folder, with the project in the environment."""
    return subprocess.run([dbt_executable(), *args], cwd=DBT_PROJECT_DIR, capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {}), "DBT_PROJECT_DIR": str(DBT_PROJECT_DIR),
                               "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"})


def listing(dbt_vars: str) -> list[str]:
    return ["ls", "--quiet", "--output", "name", "--resource-type", "model", "--select", "stg_caf__aah", "--vars", dbt_vars]


def served(warm: WarmDbt, timeout: float = 10) -> bool:
    """A warm dbt exits once it has run its one command."""
    deadline = time.monotonic() + timeout
    while warm.process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    return warm.process.poll() is not None


def test_a_command_handed_to_the_warm_dbt_prints_and_exits_as_dbt_would(tmp_path, dbt_vars):
    with WarmDbt(dbt_vars, tmp_path / "target") as warm:
        handed = ctg_dbt(*listing(dbt_vars))
        assert served(warm)
    assert (handed.returncode, handed.stdout.split()) == (0, ["stg_caf__aah"])
    assert SOCKET_VARIABLE not in os.environ


def test_a_failing_command_keeps_the_exit_code_of_dbt(tmp_path, dbt_vars):
    # What dbt itself answers to an unknown resource type: 2 (a usage error).
    bad = ["ls", "--select", "stg_caf__aah", "--vars", dbt_vars, "--resource-type", "pas_un_type"]
    with WarmDbt(dbt_vars, tmp_path / "target") as warm:
        handed = ctg_dbt(*bad)
        assert served(warm)
    assert handed.returncode == 2


def test_a_manifest_parsed_ahead_serves_only_the_same_vars_and_project(dbt_vars):
    env = {"DBT_PROJECT_DIR": str(DBT_PROJECT_DIR)}
    assert same_command_context(listing(dbt_vars), env, dbt_vars)
    other_vars = dbt_vars.replace('"toutes_communes_departement": false', '"toutes_communes_departement": true')
    assert other_vars != dbt_vars
    assert not same_command_context(listing(other_vars), env, dbt_vars)
    assert not same_command_context(listing(dbt_vars), {"DBT_PROJECT_DIR": "/ailleurs"}, dbt_vars)
    assert not same_command_context(["ls", "--vars"], env, dbt_vars)


def test_a_warm_dbt_no_command_used_is_stopped(tmp_path, dbt_vars):
    with WarmDbt(dbt_vars, tmp_path / "target") as warm:
        socket_folder = warm.folder.name
    assert warm.process.returncode is not None
    assert not os.path.exists(socket_folder)


def test_the_socket_folder_of_a_killed_refresh_is_removed_by_the_next_one(tmp_path, dbt_vars):
    killed = WarmDbt(dbt_vars, tmp_path / "target").__enter__()  # no __exit__: as after kill -9
    killed.process.kill()
    killed.process.wait()
    left = killed.folder.name
    assert os.path.exists(left)
    with WarmDbt(dbt_vars, tmp_path / "target") as warm:
        assert not os.path.exists(left)
        current = warm.folder.name
    assert not os.path.exists(current)
    assert not (tmp_path / "target" / ".warm_dbt_folder").exists()
