"""The published file opens in the DuckDB 1.x that BI drivers and analysts' environments
embed: it is written in storage version v1.0.0 (CTG_STORAGE_VERSION), not DuckDB 2.0's own,
which DuckDB 1.1 refuses. DuckDB 1.1.3 runs in a separate throwaway environment (uv)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
UV = shutil.which("uv") or str(PROJECT_ROOT / ".tools" / "uv" / "bin" / "uv")
READ = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(duckdb.__version__, con.execute("select count(*) from marts.indicateurs").fetchone()[0],
      con.execute("select count(*) from marts.evaluation").fetchone()[0])
"""


@pytest.mark.skipif(not Path(UV).exists(), reason="uv is not installed (make install puts it in .tools/uv)")
def test_duckdb_1_1_reads_the_published_marts(refreshed):
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    done = subprocess.run(
        [UV, "run", "--no-project", "--python", python, "--with", "duckdb==1.1.3", "python", "-c", READ,
         str(refreshed.warehouse)],
        capture_output=True, text=True, timeout=300, env={**os.environ, "VIRTUAL_ENV": ""}, cwd=refreshed.root,
    )
    assert done.returncode == 0, done.stderr
    version, indicators, evaluation = done.stdout.split()
    assert version == "1.1.3" and int(indicators) > 10_000 and int(evaluation) == 36 * 5
