"""Benchmark: concurrent BI readers of one published warehouse (not a test).

Each reader is a process with its own read-only DuckDB connection to the published file, as a
BI tool or a notebook has, running for a while a mix of the queries a dashboard sends:

- `tableau_de_bord`: every indicator and year of one EPCI (`marts.indicateurs`);
- `communes`: one indicator of one year for the communes of one EPCI;
- `classement`: one indicator of one year for every EPCI (a ranking);
- `diagnostic`: the diagnostic of one EPCI (`marts.diagnostic_territoire`).

For 1, 2, 4, 8 and 16 readers at once it reports the queries per second of all readers, the
median and 95th percentile of each query's time, the time to open a connection, and the
memory of the readers (resident, summed, at their peak). On a national warehouse (`python
scripts/benchmark_refresh.py --keep DIR`, then `--warehouse DIR/warehouse/ctg.duckdb`), it says
where one DuckDB file stops being enough (README, "Beyond one machine"). Writes
benchmarks/readers.json.

Run: uv run python scripts/benchmark_readers.py --warehouse PATH [--readers 1,2,4,8,16] [--seconds 10]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent

QUERIES = {
    "tableau_de_bord": ("select indicateur_code, annee, valeur, variation_5ans_pct from marts.indicateurs "
                        "where territoire_niveau = 'epci' and territoire_code = ? order by indicateur_code, annee"),
    "communes": ("select indicateurs.territoire_code, indicateurs.territoire_libelle, indicateurs.valeur "
                 "from marts.indicateurs join marts.territoires on indicateurs.territoire_code = territoires.code_commune "
                 "where indicateurs.territoire_niveau = 'commune' and territoires.epci_siren = ? "
                 "and indicateurs.indicateur_code = 'part_familles' and indicateurs.annee = 2018"),
    "classement": ("select territoire_code, territoire_libelle, valeur from marts.indicateurs "
                   "where territoire_niveau = 'epci' and indicateur_code = ? and annee = 2018 order by valeur desc"),
    "diagnostic": "select * from marts.diagnostic_territoire where epci_code = ? order by ordre",
}


def resident_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):  # the process's peak resident memory
            return int(line.split()[1]) / 1024
    return 0.0


def reader(warehouse: str, seconds: float, seed: int, start: multiprocessing.Event, out: multiprocessing.Queue) -> None:
    rng = random.Random(seed)
    opened_at = time.perf_counter()
    con = duckdb.connect(warehouse, read_only=True)
    open_s = time.perf_counter() - opened_at
    epcis = [row[0] for row in con.execute("select distinct epci_siren from marts.territoires").fetchall()]
    indicators = [row[0] for row in con.execute("select distinct indicateur_code from marts.indicateurs "
                                                "where territoire_niveau = 'epci' and annee = 2018").fetchall()]
    start.wait()
    times: dict[str, list[float]] = {name: [] for name in QUERIES}
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        name = rng.choice(list(QUERIES))
        parameter = rng.choice(indicators) if name == "classement" else rng.choice(epcis)
        began = time.perf_counter()
        con.execute(QUERIES[name], [parameter]).fetchall()
        times[name].append(time.perf_counter() - began)
    con.close()
    out.put({"open_s": open_s, "times": times, "peak_mb": resident_mb(os.getpid())})


def run(warehouse: Path, readers: int, seconds: float) -> dict:
    start, out = multiprocessing.Event(), multiprocessing.Queue()
    processes = [multiprocessing.Process(target=reader, args=(str(warehouse), seconds, seed, start, out))
                 for seed in range(readers)]
    for process in processes:
        process.start()
    time.sleep(1)  # every reader has opened its connection and read its lists
    start.set()
    results = [out.get() for _ in processes]
    for process in processes:
        process.join()
    times = {name: sorted(t for result in results for t in result["times"][name]) for name in QUERIES}
    count = sum(len(t) for t in times.values())
    return {
        "readers": readers,
        "queries_per_s": round(count / seconds, 1),
        "median_ms": {name: round(1000 * statistics.median(t), 1) for name, t in times.items() if t},
        "p95_ms": {name: round(1000 * t[int(0.95 * (len(t) - 1))], 1) for name, t in times.items() if t},
        "open_ms": round(1000 * max(result["open_s"] for result in results), 1),
        "readers_peak_mb": round(sum(result["peak_mb"] for result in results)),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warehouse", required=True, help="a published ctg.duckdb")
    parser.add_argument("--readers", default="1,2,4,8,16")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "readers.json"))
    args = parser.parse_args()
    warehouse = Path(args.warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute("select count(*) from marts.indicateurs").fetchone()[0]
    results = []
    for readers in (int(n) for n in args.readers.split(",")):
        result = run(warehouse, readers, args.seconds)
        print(json.dumps(result))
        results.append(result)
    summary = {"warehouse_mb": round(warehouse.stat().st_size / 1e6), "indicator_rows": rows,
               "seconds_per_run": args.seconds, "cpus": os.cpu_count(), "duckdb": duckdb.__version__,
               "runs": results, "measured_on": time.strftime("%Y-%m-%d")}
    Path(args.out).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
