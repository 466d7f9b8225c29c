"""`ctg-dbt`: dbt as a child process that dies with the refresh that started it.

dagster-dbt runs dbt in a subprocess. When the refresh is killed (`kill -9`, the OOM killer,
a closed terminal), a plain dbt child would keep running and hold the build database while
the next refresh starts. On Linux, PR_SET_PDEATHSIG has the kernel send SIGKILL to this
process when the thread that started it ends; elsewhere the next refresh still finds the
orphan and says so (`processes_using` in the CLI).
"""

import ctypes
import os
import signal
import sys
from pathlib import Path

PR_SET_PDEATHSIG = 1
PARENT_PID_VARIABLE = "CTG_DBT_PARENT_PID"


def die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        return
    # The parent may have died between our fork and the prctl: then no signal would come.
    expected = os.environ.get(PARENT_PID_VARIABLE)
    if expected and os.getppid() != int(expected):
        os._exit(1)


def dbt_executable() -> str:
    """ctg-dbt, a console script of this environment: found even when the venv is not
    activated; plain dbt when the project is not installed (then nothing dies with its parent)."""
    executable = Path(sys.executable).parent / "ctg-dbt"
    return str(executable) if executable.exists() else "dbt"


def main() -> None:
    die_with_parent()
    from orchestration.transform import warm_dbt

    if sys.argv[1:2] == [warm_dbt.WARM_FLAG]:
        code = 2
        try:
            code = warm_dbt.serve(*sys.argv[2:5])
        finally:  # at once: dbt may leave threads behind that would keep the process alive
            os._exit(code)
    code = warm_dbt.hand_over(sys.argv)
    if code is not None:
        sys.exit(code)
    from dbt.cli.main import cli

    cli()


if __name__ == "__main__":
    main()
