"""Benchmark: ingest a large structures inventory (a whole département's, or more) and its activity.

Writes an inventory of N structures as .xlsx and as CSV, and an activity file of 6 measures
per structure over 7 years, in a temporary folder; times reading each format, then the ingest
step of the inventory and of the activity (reader, GX suite, check against the loaded
inventory, load). Prints the figures; not a test.

Run: uv run python scripts/benchmark_structures.py [--structures 5000]
"""

from __future__ import annotations

import argparse
import random
import resource
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from ingest.discovery import discover
from ingest.pipeline import ingest_source
from ingest.registry import SOURCES
from ingest.sources.structures import read_inventory

HEADER = ["structure_id", "type", "nom", "commune_insee", "gestionnaire", "places", "psu", "etp", "date_ouverture"]
TYPES = ["EAJE", "MAM", "MICRO_CRECHE_PAJE", "RPE", "ALSH", "LAEP"]


def rows(count: int, rng: random.Random) -> list[list]:
    result = []
    for n in range(count):
        kind = TYPES[n % len(TYPES)]
        places = {"EAJE": rng.randint(10, 80), "MAM": rng.randint(4, 16), "MICRO_CRECHE_PAJE": 10}.get(kind, "")
        result.append([f"S{n:06d}", kind, f"Structure {n}", f"62{rng.randint(1, 899):03d}", "municipal", places,
                       "oui" if kind == "EAJE" else "non", "1,5" if kind == "RPE" else "", f"0{1 + n % 9}/01/2010"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--structures", type=int, default=5000)
    args = parser.parse_args()
    rng = random.Random(1)
    inventory = rows(args.structures, rng)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        landing = root / "landing"
        landing.mkdir()
        csv_path = landing / "inventaire.csv"
        csv_path.write_text("\n".join(";".join(map(str, r)) for r in [HEADER, *inventory]) + "\n", encoding="utf-8")
        workbook = Workbook()
        sheet = workbook.active
        for row in [HEADER, *inventory]:
            sheet.append(row)
        xlsx_path = root / "inventaire.xlsx"
        workbook.save(xlsx_path)
        for label, path in (("CSV", csv_path), ("XLSX", xlsx_path)):
            started = time.perf_counter()
            frame = read_inventory(path)
            print(f"read {label} inventory: {len(frame)} structures in {time.perf_counter() - started:.2f} s "
                  f"({path.stat().st_size / 1e6:.1f} MB)")
        with (landing / "activite.csv").open("w", encoding="utf-8") as out:
            out.write("structure_id;annee;mesure;valeur\n")
            for structure in inventory:
                for year in range(2017, 2024):
                    for measure in ("places", "jours_ouverture", "taux_occupation", "enfants_inscrits",
                                    "heures_realisees", "heures_facturees"):
                        out.write(f"{structure[0]};{year};{measure};{rng.randint(1, 99)}\n")
        for name in ("structures_inventaire", "structures_activite"):
            started = time.perf_counter()
            report = ingest_source(SOURCES[name], discover(landing), root / "build.duckdb", root / "quarantine",
                                   keep_originals=True, log=lambda _m: None)
            print(f"ingest {name}: {report.rows_loaded} rows in {time.perf_counter() - started:.1f} s, "
                  f"{len(report.violations)} violations")
        print(f"peak memory: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
