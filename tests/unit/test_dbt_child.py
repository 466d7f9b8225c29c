"""dbt dies with the refresh that started it (issue 15, item 7): no orphan dbt holding the
build database after `kill -9` of `ctg refresh`."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from orchestration.transform.dbt import dbt_resource
from orchestration.transform.warm_dbt import SOCKET_VARIABLE

# A parent that starts a child the way dagster-dbt starts dbt, prints its pid and waits.
PARENT = """
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", sys.argv[1]])
print(child.pid, flush=True)
child.wait()
"""
CHILD = "from orchestration.transform.dbt_child import die_with_parent; die_with_parent(); import time; time.sleep(60)"


def is_running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"  # a zombie has ended, waiting for its new parent to reap it


def test_the_dbt_child_is_killed_when_its_parent_is_killed():
    parent = subprocess.Popen([sys.executable, "-c", PARENT, CHILD], stdout=subprocess.PIPE, text=True,
                              env={**os.environ, "CTG_DBT_PARENT_PID": ""})
    child = int(parent.stdout.readline())
    time.sleep(0.5)  # the child has reached its prctl
    assert is_running(child)

    parent.send_signal(signal.SIGKILL)
    parent.wait()

    deadline = time.monotonic() + 5
    while is_running(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not is_running(child)


def test_a_child_whose_parent_died_before_it_started_exits_at_once():
    code = subprocess.run([sys.executable, "-c", CHILD], env={**os.environ, "CTG_DBT_PARENT_PID": "1"},
                          timeout=10).returncode
    assert code == 1


def test_the_refresh_runs_dbt_through_ctg_dbt_which_runs_dbt_itself_without_a_warm_dbt(tmp_path):
    resource = dbt_resource()
    assert Path(resource.dbt_executable).name == "ctg-dbt"
    # A warm dbt announced but gone (warm_dbt.py): ctg-dbt runs the command itself.
    version = subprocess.run([resource.dbt_executable, "--version"], capture_output=True, text=True, timeout=60,
                             env={**os.environ, SOCKET_VARIABLE: str(tmp_path / "parti.sock")})
    assert version.returncode == 0 and "installed: " in version.stdout.lower()


def test_a_parse_is_stale_when_missing_or_older_than_a_project_file(tmp_path):
    """`ctg prepare` (make install) skips dbt when its parse is newer than every project file."""
    from orchestration.settings import DBT_PROJECT_DIR, parse_is_stale

    parsed = tmp_path / "partial_parse.msgpack"
    assert parse_is_stale(parsed)
    parsed.write_bytes(b"")
    os.utime(parsed, (time.time() + 3600, time.time() + 3600))
    assert not parse_is_stale(parsed)
    newest = max(p.stat().st_mtime for p in (DBT_PROJECT_DIR / "models").rglob("*.sql"))
    os.utime(parsed, (newest - 1, newest - 1))
    assert parse_is_stale(parsed)
