"""A dbt started ahead of time: its start-up runs on the machine's other core during ingestion.

Every dbt command first imports dbt, sets up its adapter and Jinja and reads the project's
partial parse: about 6 s, before its first model. A refresh runs one dbt command, after
ingestion, which keeps one core busy and leaves the other idle. So `ctg refresh` starts
`ctg-dbt --warm` at once (`WarmDbt`): that process parses the project with the refresh's
vars, then waits on a Unix socket. The `ctg-dbt` that dagster-dbt starts for the
build hands its arguments, environment, working folder and output streams (file
descriptors, SCM_RIGHTS) to it and exits with its exit code (`hand_over`): dagster-dbt reads
the same JSON events from the same pipe as from a dbt of its own.

Without a warm process, or with one that died before starting the command, `ctg-dbt` runs
dbt itself. A command with other vars, or for another project, runs in the warm process
without the parse made ahead (dbt parses again there). A warm process serves one command,
then exits; a refresh that needed no dbt stops it.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
from pathlib import Path

SOCKET_VARIABLE = "CTG_DBT_WARM_SOCKET"
WARM_FLAG = "--warm"
FOLDER_PREFIX = "ctg-dbt-"
MAX_REQUEST_BYTES = 1 << 20


# The client: the `ctg-dbt` dagster-dbt starts.

def hand_over(argv: list[str]) -> int | None:
    """Run this dbt command in the warm process announced by CTG_DBT_WARM_SOCKET; its exit
    code, or None when there is none to hand over to (nothing has run: run dbt here)."""
    path = os.environ.get(SOCKET_VARIABLE)
    if not path:
        return None
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        conn.connect(path)
    except OSError:
        conn.close()
        return None
    with conn:
        request = json.dumps({"args": argv[1:], "env": dict(os.environ), "cwd": os.getcwd()}).encode()
        try:
            socket.send_fds(conn, [len(request).to_bytes(8, "big")], [sys.stdout.fileno(), sys.stderr.fileno()])
            conn.sendall(request)
        except OSError:
            return None
        replies = conn.makefile("r", encoding="ascii")
        try:
            accepted = replies.readline().split()
        except OSError:  # the warm dbt died with this connection still waiting
            return None
        if accepted[:1] != ["accepted"]:
            return None  # gone before starting: nothing ran
        warm_pid = int(accepted[1])

        def forward(signum, _frame):  # dagster-dbt interrupts its dbt with SIGINT
            with contextlib.suppress(ProcessLookupError):
                os.kill(warm_pid, signum)

        signal.signal(signal.SIGINT, forward)
        signal.signal(signal.SIGTERM, forward)
        try:
            finished = replies.readline().split()
        except OSError:
            finished = []
        if finished[:1] != ["exit"]:
            print("ctg-dbt : le processus dbt préparé s'est arrêté avant la fin de la commande", file=sys.stderr)
            return 2
        return int(finished[1])


# The server: `ctg-dbt --warm LISTENER_FD VARS TARGET`.

def serve(listener_fd: str, dbt_vars: str, target_path: str) -> int:
    # Bound and listening since WarmDbt started this process: a client that connects before
    # dbt is ready waits for accept().
    listener = socket.socket(fileno=int(listener_fd))
    # Stoppable by the refresh that started it, even from a parent that ignores SIGTERM (an
    # ignored signal is inherited through exec).
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    manifest = warm_up(dbt_vars, target_path)
    conn, _address = listener.accept()
    with conn:
        header, fds, _flags, _address = socket.recv_fds(conn, 8, 2)
        header += receive_exactly(conn, 8 - len(header))
        size = int.from_bytes(header, "big")
        if len(fds) != 2 or not 0 < size <= MAX_REQUEST_BYTES:
            return 2
        request = json.loads(receive_exactly(conn, size))
        args = request["args"]
        if manifest is not None and not same_command_context(args, request["env"], dbt_vars):
            manifest = None  # parsed for other settings: dbt parses again, still warm
        os.dup2(fds[0], 1)
        os.dup2(fds[1], 2)
        for fd in fds:
            os.close(fd)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        conn.sendall(f"accepted {os.getpid()}\n".encode())
        code = invoke(args, manifest)
        release_outputs_and_database()
        conn.sendall(f"exit {code}\n".encode())
    return 0


def release_outputs_and_database() -> None:
    """Before answering: the build database closed, then the caller's output streams (their
    end is what dagster-dbt waits for), so that nothing holds the database once it resumes."""
    try:
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager.close_all_connections()
    except Exception:  # noqa: BLE001 - exiting releases it too, only later
        pass
    sys.stdout.flush()
    sys.stderr.flush()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.dup2(devnull, 2)
    os.close(devnull)


def receive_exactly(conn: socket.socket, size: int) -> bytes:
    chunks, received = [], 0
    while received < size:
        chunk = conn.recv(min(65536, size - received))
        if not chunk:
            raise ConnectionError("requête dbt incomplète")
        chunks.append(chunk)
        received += len(chunk)
    return b"".join(chunks)


def same_command_context(args: list[str], env: dict[str, str], dbt_vars: str) -> bool:
    """The manifest parsed ahead fits this command: same vars, same project."""
    from orchestration.settings import DBT_PROJECT_DIR

    vars_given = args[args.index("--vars") + 1] if "--vars" in args[:-1] else None
    return vars_given == dbt_vars and Path(env.get("DBT_PROJECT_DIR", "")).resolve() == DBT_PROJECT_DIR.resolve()


def warm_up(dbt_vars: str, target_path: str):
    """Import dbt and parse the project as the build will (its partial parse, in its target
    folder): the Manifest to build with, or None if that failed (the build then parses)."""
    from orchestration.settings import DBT_PROJECT_DIR

    try:
        from dbt.cli.main import dbtRunner

        target = Path(target_path)
        kept = DBT_PROJECT_DIR / "target" / "partial_parse.msgpack"
        if not (target / "partial_parse.msgpack").exists() and kept.exists():
            target.mkdir(parents=True, exist_ok=True)
            # Under the lock of dbt.prepare_manifest: the refresh may be parsing into it.
            with open(kept.parent / ".prepare.lock", "a") as lock:
                fcntl.flock(lock, fcntl.LOCK_SH)
                (target / "partial_parse.msgpack").write_bytes(kept.read_bytes())
        result = dbtRunner().invoke([
            "--quiet", "parse", "--vars", dbt_vars, "--target-path", target_path,
            "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
        ])
        import dbt.task.build  # noqa: F401 - imported by the build otherwise, once it is asked for (0.15 s)

        return result.result if result.success else None
    except Exception:  # noqa: BLE001 - the build then starts as a cold dbt would
        return None


def invoke(args: list[str], manifest) -> int:
    """dbt's own exit codes: 0 success, 1 a model or test failed, 2 dbt itself failed.

    A build with the manifest parsed ahead writes its run_results.json (what the refresh reads
    of a failed test), not the manifest again: the parse wrote it, and nothing reads the
    build's (0.3 s at the end of a national build, after its last node)."""
    from dbt.cli.main import dbtRunner

    results_only = manifest is not None and args[:1] == ["build"] and not {"--write-json", "--no-write-json"} & set(args)
    result = dbtRunner(manifest=manifest).invoke([*args, "--no-write-json"] if results_only else args)
    if results_only and hasattr(result.result, "write"):
        result.result.write(str(target_folder(args) / "run_results.json"))
    if result.success:
        return 0
    return 1 if result.exception is None else 2


def target_folder(args: list[str]) -> Path:
    """The target folder of a dbt command: its --target-path, else DBT_TARGET_PATH (dagster-dbt
    sets it), else the project's."""
    from orchestration.settings import DBT_PROJECT_DIR

    if "--target-path" in args[:-1]:
        return Path(args[args.index("--target-path") + 1])
    return Path(os.environ.get("DBT_TARGET_PATH") or DBT_PROJECT_DIR / "target")


# The refresh's side.

@contextlib.contextmanager
def without_warm_dbt():
    """For a dbt command that is not the build (the parse of a changed project while Dagster
    loads): it runs a dbt of its own and leaves the warm one to the build."""
    path = os.environ.pop(SOCKET_VARIABLE, None)
    try:
        yield
    finally:
        if path is not None:
            os.environ[SOCKET_VARIABLE] = path


class WarmDbt:
    """`with WarmDbt(vars, target):` a warm dbt for the dbt command of this block; stopped at
    its end if no command used it."""

    def __init__(self, dbt_vars: str, target_path: Path):
        self.dbt_vars = dbt_vars
        self.target_path = target_path
        self.folder: tempfile.TemporaryDirectory | None = None
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> WarmDbt:
        from orchestration.transform.dbt_child import PARENT_PID_VARIABLE, dbt_executable

        executable = dbt_executable()
        if Path(executable).name != "ctg-dbt":
            return self
        self.remove_folder_left_by_a_killed_refresh()
        # A short path: a Unix socket's path is limited to about 100 bytes. Its folder is noted
        # in the build's dbt target folder, for the next refresh to remove after a `kill -9`.
        self.folder = tempfile.TemporaryDirectory(prefix=FOLDER_PREFIX)
        self.target_path.mkdir(parents=True, exist_ok=True)
        self.folder_record.write_text(self.folder.name, encoding="utf-8")
        socket_path = os.path.join(self.folder.name, "dbt.sock")
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as listener:
            listener.bind(socket_path)
            listener.listen(1)
            self.process = subprocess.Popen(
                [executable, WARM_FLAG, str(listener.fileno()), self.dbt_vars, str(self.target_path)],
                pass_fds=[listener.fileno()],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env={**os.environ, PARENT_PID_VARIABLE: str(os.getpid()), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"},
            )
        os.environ[SOCKET_VARIABLE] = socket_path
        return self

    def __exit__(self, *_exc) -> None:
        os.environ.pop(SOCKET_VARIABLE, None)
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:  # stuck: it would hold the refresh forever
                self.process.kill()
                self.process.wait()
        if self.folder is not None:
            self.folder.cleanup()
            self.folder_record.unlink(missing_ok=True)

    @property
    def folder_record(self) -> Path:
        return self.target_path / ".warm_dbt_folder"

    def remove_folder_left_by_a_killed_refresh(self) -> None:
        """A refresh of this build database holds its lock: the folder it noted is not in use."""
        try:
            left = Path(self.folder_record.read_text(encoding="utf-8").strip())
        except OSError:
            return
        if left.parent == Path(tempfile.gettempdir()) and left.name.startswith(FOLDER_PREFIX):
            shutil.rmtree(left, ignore_errors=True)
        self.folder_record.unlink(missing_ok=True)
