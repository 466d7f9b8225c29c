"""Benchmark: a whole `ctg refresh` on national-size extracts (not a test).

Writes, in a temporary landing folder, every CAF legacy theme for two years, populations
légales and the census for about 35,000 communes (the 22 communes of the CA du Boulonnais
plus synthetic codes of every département), then runs the refresh twice: a first load, and
a second one where every file is unchanged. Prints wall time and peak memory of each.

Run: uv run python scripts/benchmark_refresh.py [--communes 35000]
"""

from __future__ import annotations

import argparse
import csv
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ingest.sources.caf_legacy import THEME_LIST

ROOT = Path(__file__).resolve().parent.parent
TERRITORY = ROOT / "ingest" / "reference" / "territoire_246200729.csv"
FILE_STEMS = {"nivcomtotal": "NIVCOMTOTAL", "config_familiale": "ConfigFamiliale", "tranche_age": "TrancheAge",
              "enfant_age": "EnfantAgeCom", "rsa": "RSACom", "aah": "AAHCom", "aeeh": "enfantAEEH",
              "bas_revenu": "BasrevenuCom", "dependance": "DependancePrestaCom", "paje": "PAJECom", "logement": "LOGCom"}


def commune_codes(count: int) -> list[str]:
    with TERRITORY.open(encoding="utf-8") as handle:
        territory = [row["code_commune"] for row in csv.DictReader(handle)]
    others = [f"{dep:02d}{n:03d}" for dep in range(1, 96) if dep != 20 for n in range(1, 1000)]
    others = [c for c in others if c not in territory]
    return territory + others[: count - len(territory)]


WHOLES = {"nb_allocataires", "nb_enfants", "nb_pers_par_foyer_alloc", "nb_allocataires_ress"}


def row_values(rng: random.Random, columns: list[str]) -> list[int]:
    """Plausible counts: parts of 0 to 300, wholes at least the sum of their parts."""
    values = {c: rng.randint(0, 300) for c in columns if c not in WHOLES}
    total = sum(values.values())
    for whole in WHOLES & set(columns):
        values[whole] = total + rng.randint(300, 800)
    return [values[c] for c in columns]


def write_landing(landing: Path, codes: list[str]) -> None:
    rng = random.Random(1)
    caf = landing / "caf"
    caf.mkdir(parents=True)
    for theme in THEME_LIST:
        columns = theme.required
        for year in (2013, 2018):
            with (caf / f"{FILE_STEMS[theme.theme]}{year}.csv").open("w", encoding="utf-8") as out:
                out.write("Communes;Codes_Insee;" + ";".join(columns) + "\n")
                for code in codes:
                    values = (" " if 0 < v < 5 else str(v) for v in row_values(rng, columns))
                    out.write(f"Commune {code};{code};" + ";".join(values) + "\n")
    for year in (2011, 2016):
        folder = landing / "insee" / str(year)
        folder.mkdir(parents=True)
        with (folder / "donnees_communes.csv").open("w", encoding="utf-8") as out:
            out.write("REG;Région;DEP;CODARR;CODCAN;CODCOM;COM;Commune;PMUN;PCAP;PTOT\n")
            for code in codes:
                pmun = rng.randint(100, 20000)
                out.write(f"32;R;{code[:2]};1;1;{code[2:]};{code};Commune {code};{pmun};10;{pmun + 10}\n")
    with (landing / "insee" / "base-cc-evol-struct-pop-2016.CSV").open("w", encoding="utf-8") as out:
        out.write("CODGEO;P16_POP;P16_POP0610;P16_POP1117;P16_POP0019;P16_POP6074;P16_POP7589;P16_POP90P\n")
        for code in codes:
            out.write(f"{code};{rng.randint(5000, 9000)};300.5;400.25;1200;900;300;20\n")


def run_refresh(landing: Path, warehouse: Path) -> tuple[float, float, int]:
    started = time.perf_counter()
    process = subprocess.run(
        [sys.executable, "-m", "orchestration.cli", "refresh", "--landing", str(landing), "--warehouse", str(warehouse)],
        capture_output=True, text=True,
    )
    elapsed = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if process.returncode != 0:
        print(process.stdout[-3000:], process.stderr[-3000:])
    return elapsed, peak_mb, process.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=35000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        codes = commune_codes(args.communes)
        write_landing(root / "landing", codes)
        size = sum(p.stat().st_size for p in (root / "landing").rglob("*") if p.is_file())
        print(f"{len(codes)} communes, {sum(1 for p in (root / 'landing').rglob('*.*'))} files, {size / 1e6:.1f} MB")
        for attempt in ("first refresh", "unchanged files"):
            elapsed, peak_mb, code = run_refresh(root / "landing", root / "warehouse" / "ctg.duckdb")
            print(f"{attempt}: {elapsed:.0f} s, exit {code}, peak memory of the refresh process {peak_mb:.0f} MB")
        warehouse = root / "warehouse" / "ctg.duckdb"
        print(f"published file: {warehouse.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
