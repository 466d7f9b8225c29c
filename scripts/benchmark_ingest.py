"""Benchmark: ingest national-size CAF legacy files (about 35,000 communes, like the real ones).

Generates ConfigFamiliale and NIVCOMTOTAL files for every commune code of a synthetic France
in a temporary folder, then times discovery, reading, the GX suite and loading into a build
DuckDB file, twice (the second pass must skip unchanged files). Prints the figures; not a test.

Run: uv run python scripts/benchmark_ingest.py [--communes 35000]
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

from ingest.discovery import discover
from ingest.pipeline import ingest_source
from ingest.registry import SOURCES

CONFIG = ["NB_Allocataires", "COUP_0_ENF", "COUP_1_ENF", "COUP_2_ENF", "COUP_3_ENF", "COUP_4plus_ENF",
          "Homme_Isole", "Femme_Isolee", "MONO_1_ENF", "MONO_2_ENF", "MONO_3_ENF", "MONO_4plus_ENF"]


def write_files(folder: Path, communes: int) -> None:
    rng = random.Random(1)
    codes = [f"{dep:02d}{n:03d}" for dep in range(1, 96) if dep != 20 for n in range(1, 1000)][:communes]
    for year in (2013, 2018):
        with (folder / f"ConfigFamiliale{year}.csv").open("w", encoding="utf-8") as out:
            out.write("Communes;Codes_Insee;" + ";".join(CONFIG) + "\n")
            for code in codes:
                values = [rng.randint(0, 400) for _ in CONFIG]
                out.write(f"Commune {code};{code};" + ";".join(" " if 0 < v < 5 else str(v) for v in values) + "\n")
        with (folder / f"NIVCOMTOTAL{year}.csv").open("w", encoding="utf-8") as out:
            out.write("Communes;Codes_Insee;NB_Pers_par_Foyer_Alloc;NB_Enfants\n")
            for code in codes:
                out.write(f"Commune {code};{code};{rng.randint(5, 9000)};{rng.randint(5, 4000)}\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=35000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        landing = root / "landing"
        landing.mkdir()
        write_files(landing, args.communes)
        size = sum(p.stat().st_size for p in landing.iterdir())
        print(f"{args.communes} communes, 4 files, {size / 1e6:.1f} MB")
        for attempt in ("first load", "unchanged files"):
            started = time.perf_counter()
            report = ingest_source(SOURCES["caf_legacy"], discover(landing), root / "build.duckdb",
                                   root / "quarantine", keep_originals=True, log=lambda _m: None)
            elapsed = time.perf_counter() - started
            print(f"{attempt}: {elapsed:.1f} s, {report.rows_loaded} rows loaded, "
                  f"{len(report.files_unchanged)} files skipped, {len(report.violations)} violations")
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(f"peak memory: {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
