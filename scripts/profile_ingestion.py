"""Ingest a landing folder into a scratch build database, source by source, and print how long
each source took (not a test; for profiling the ingestion without Dagster or dbt).

Run: uv run python scripts/profile_ingestion.py LANDING [--build FILE] [--source NAME ...]
(under py-spy: py-spy record -o profile.svg -- .venv/bin/python scripts/profile_ingestion.py ...)
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from ingest.discovery import discover
from ingest.pipeline import ingest_source
from ingest.registry import SOURCE_LIST


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("landing", type=Path)
    parser.add_argument("--build", type=Path, help="build database (default: a temporary one)")
    parser.add_argument("--source", action="append", help="only these sources (registry names)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        build = args.build or Path(tmp) / "build.duckdb"
        landing = discover(args.landing)
        total = time.perf_counter()
        for spec in SOURCE_LIST:
            if args.source and spec.name not in args.source:
                continue
            started = time.perf_counter()
            report = ingest_source(spec, landing, build, Path(tmp) / "quarantine", keep_originals=True,
                                   log=lambda _line: None)
            if report.files_found:
                print(f"{spec.name:24} {report.files_found:4} files {report.rows_loaded:>10} rows "
                      f"{time.perf_counter() - started:7.1f} s{'' if report.ok else '  (rejections)'}")
        print(f"{'total':24} {time.perf_counter() - total:27.1f} s")


if __name__ == "__main__":
    main()
