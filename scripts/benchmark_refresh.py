"""Benchmark: a whole `ctg refresh` on national-size extracts against plain DuckDB SQL (not a test).

Writes, in a temporary landing folder, in their real formats: every CAF legacy theme for N
years, the current-portal files (s_ben_com_f, rsa_s_type_com_f, ndur_s_qf_400_com_f) for two
Decembers, the ONAPE files (commune, EPCI, département), the populations légales of those
years, the census, the births and the INSEE EPCI composition, for about 35,000 communes (the
22 communes of the CA du Boulonnais plus synthetic codes spread over every département, grouped
in synthetic EPCIs of 28 communes), secrecy blanks and rounding included; then measures, with
`ctg refresh --territory all` (every EPCI of the composition file):

- `refresh_s`: a first refresh (wall time), `startup_s` the part before its first step
  (imports, Dagster definitions, dbt manifest), `peak_rss_mb` the peak memory of the whole
  process tree (refresh, dbt), sampled from /proc, `rows_per_s` the input rows per second;
- `incremental_s`: a refresh after one extract changed, the median of `--incremental-runs`
  of them in a row (`incremental_runs_s`: each; the machine's speed varies by a quarter
  within minutes), each after the same file is corrected again; then a second full refresh,
  into another warehouse (`refresh_runs_s`: both), and `incremental_share_of_refresh`, the
  median incremental over the mean of the two full refreshes, measured around it;
- `baseline_s`: hand-written DuckDB SQL straight from the CSVs computing the rows of
  `marts.indicateurs` (all but the 794 of the CAB's groups of communes;
  scripts/benchmark_baseline.py), the floor on this machine: the mean of
  a run just before and one just after the full refresh (`baseline_runs_s`); after the
  refresh, its rows are compared with the published ones (`baseline_vs_published`);
- `baseline_sums_only_s`: the thinner baseline of the earlier sessions (the legacy variables
  and populations summed per level, no indicator, variation, name or source), and the ratio
  to it (`ratio_refresh_vs_sums_only`), for comparison with their figures;
- `ratio_refresh_vs_duckdb`.

They are written to benchmarks/results.json (committed; the README quotes them).

Run: uv run python scripts/benchmark_refresh.py [--communes 35000] [--years 10]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import benchmark_baseline as baseline
import duckdb

from ingest.sources.caf_legacy import THEME_LIST

ROOT = Path(__file__).resolve().parent.parent
TERRITORY = ROOT / "ingest" / "reference" / "territoire_246200729.csv"
DEPARTEMENTS = ROOT / "ingest" / "reference" / "departements.csv"
FILE_STEMS = {"nivcomtotal": "NIVCOMTOTAL", "config_familiale": "ConfigFamiliale", "tranche_age": "TrancheAge",
              "enfant_age": "EnfantAgeCom", "rsa": "RSACom", "aah": "AAHCom", "aeeh": "enfantAEEH",
              "bas_revenu": "BasrevenuCom", "dependance": "DependancePrestaCom", "paje": "PAJECom", "logement": "LOGCom"}


CAB = "246200729"
EPCI_SIZE = 28  # communes per synthetic EPCI (France: about 35,000 communes, 1,250 EPCIs)


def commune_codes(count: int) -> list[str]:
    """The CAB's communes, then synthetic codes taken in turn from every département."""
    with TERRITORY.open(encoding="utf-8") as handle:
        territory = [row["code_commune"] for row in csv.DictReader(handle)]
    others = [f"{dep:02d}{n:03d}" for n in range(1, 1000) for dep in range(1, 96) if dep != 20]
    # Not the codes of the arrondissements of Paris, Lyon and Marseille (75101-75120,
    # 69381-69389, 13201-13216): the readers fold them into their commune.
    arrondissements = {f"751{n:02d}" for n in range(1, 21)} | {f"6938{n}" for n in range(1, 10)}
    arrondissements |= {f"132{n:02d}" for n in range(1, 17)}
    others = [c for c in others if c not in territory and c not in arrondissements]
    return territory + others[: count - len(territory)]


def epci_of(codes: list[str]) -> dict[str, str]:
    """Commune → EPCI SIREN: the CAB's own, then synthetic EPCIs of EPCI_SIZE communes per département."""
    with TERRITORY.open(encoding="utf-8") as handle:
        membership = {row["code_commune"]: CAB for row in csv.DictReader(handle)}
    by_departement: dict[str, list[str]] = {}
    for code in codes:
        if code not in membership:
            by_departement.setdefault(code[:2], []).append(code)
    for dep, members in by_departement.items():
        for index, code in enumerate(members):
            membership[code] = f"2{dep}{index // EPCI_SIZE:06d}"
    return membership


def epci_name(siren: str) -> str:
    return "CA du Boulonnais" if siren == CAB else f"CC synthétique {siren}"


def write_composition(path: Path, membership: dict[str, str]) -> None:
    """The INSEE workbook (five title rows, then CODGEO, LIBGEO, EPCI, LIBEPCI, DEP, REG)."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Composition_communale")
    for title in ["Composition communale des EPCI au 1er janvier 2024", "Source : Insee (synthétique)", "", "", ""]:
        sheet.append([title])
    sheet.append(["CODGEO", "LIBGEO", "EPCI", "LIBEPCI", "DEP", "REG"])
    for code, siren in membership.items():
        sheet.append([code, f"Commune {code}", siren, epci_name(siren), code[:2], "32"])
    workbook.save(path)


WHOLES = {"nb_allocataires", "nb_enfants", "nb_pers_par_foyer_alloc", "nb_allocataires_ress"}


def row_values(rng: random.Random, columns: list[str]) -> list[int]:
    """Plausible counts: parts of 0 to 300, wholes at least the sum of their parts."""
    values = {c: rng.randint(0, 300) for c in columns if c not in WHOLES}
    total = sum(values.values())
    for whole in WHOLES & set(columns):
        values[whole] = total + rng.randint(300, 800)
    return [values[c] for c in columns]


def round5(value: float) -> int:
    return int(5 * round(value / 5))


def write_portal_and_onape(landing: Path, rng: random.Random, membership: dict[str, str], last_year: int) -> int:
    """The current portal (two Decembers after the legacy years: counts rounded to 5, amounts to
    100 euros, no blanks), ONAPE at three levels, births; returns their data rows."""
    portal, onape = landing / "caf" / "portail", landing / "caf" / "onape"
    portal.mkdir(parents=True)
    onape.mkdir(parents=True)
    rows = 0
    with (portal / "s_ben_com_f.csv").open("w", encoding="utf-8-sig") as ben, \
            (portal / "rsa_s_type_com_f.csv").open("w", encoding="utf-8-sig") as rsa, \
            (portal / "ndur_s_qf_400_com_f.csv").open("w", encoding="utf-8") as qf:
        ben.write("dtreffre;numcomdo;nomcom;indfoy_ndur;indnbp_ndur;indfoy_rsa;indmtt_rsa;indfoy_ppa;indmtt_ppa;"
                  "indfoy_aah;indfoy_af\n")
        rsa.write("Date référence;Numéro commune;Nom commune;Type RSA;Nombre foyers RSA;Nombre personnes RSA\n")
        qf.write("dtreffre;numcomdo;qf_400;indfoy_ndur;indnbp_ndur\n")
        for year in (last_year + 3, last_year + 4):
            for code in membership:
                foyers = rng.randint(20, 3000)
                people, rsa_f, ppa = foyers * 2.35, foyers * 0.19, foyers * 0.31

                def count(value: float) -> str:
                    return str(round5(value))  # the portal rounds; it has no blanks
                ben.write(f"{year}-12;{code};Commune {code};{count(foyers)};{count(people)};{count(rsa_f)};"
                          f"{int(round(rsa_f * 520, -2))};{count(ppa)};{int(round(ppa * 190, -2))};"
                          f"{count(foyers * 0.09)};{count(foyers * 0.33)}\n")
                rsa.write(f"{year}-12;{code};Commune {code};RSA majoré;{count(rsa_f * 0.15)};{count(rsa_f * 0.45)}\n"
                          f"{year}-12;{code};Commune {code};RSA non majoré;{count(rsa_f * 0.85)};{count(rsa_f * 1.4)}\n")
                for band, share in (("Moins de 400 euros", 0.22), ("De 400 à moins de 800 euros", 0.38),
                                    ("800 euros ou plus", 0.36), ("Inconnu", 0.04)):
                    qf.write(f"{year}-12;{code};{band};{count(foyers * share)};{count(people * share)}\n")
                rows += 7
    components = ["psu_col", "hors_psu_col", "prescol", "am_ind", "gad_ind", "eaje", "ind"]
    # Places by commune, summed for the EPCIs and départements (the EPCI figure is their total).
    commune_places = {code: [rng.randint(0, 40) for _ in range(5)] for code in sorted(membership)}
    totals: dict[tuple[str, str], list[int]] = {}
    for code, counts in commune_places.items():
        for key in (("epci", membership[code]), ("dep", code[:2])):
            totals[key] = [a + b for a, b in zip(totals.get(key, [0] * 5), counts, strict=True)]
    places_by_level = {"com": commune_places,
                       "epci": {code: v for (level, code), v in sorted(totals.items()) if level == "epci"},
                       "dep": {code: v for (level, code), v in sorted(totals.items()) if level == "dep"}}
    for level, key in (("com", "numcom"), ("epci", "numepci"), ("dep", "numdep")):
        with (onape / f"txcouv_pe_{level}.csv").open("w", encoding="utf-8") as rates, \
                (onape / f"nbpla_pe_{level}.csv").open("w", encoding="utf-8") as places:
            rates.write(";".join([key, "annee", f"txcouv_{level}"] + [f"txcouv_{c}_{level}" for c in components]) + "\n")
            places.write(";".join([key, "annee"] + [f"pl_{c}_{level}" for c in components[:5]] + [f"tot_offre_{level}"])
                         + "\n")
            for code, counts in places_by_level[level].items():
                parts = [round(rng.uniform(0, 30), 1) for _ in range(5)]
                rates.write(f"{code};{last_year};{round(sum(parts), 1)};" + ";".join(map(str, parts))
                            + f";{round(parts[0] + parts[1], 1)};{round(parts[3] + parts[4], 1)}\n")
                places.write(f"{code};{last_year};" + ";".join(map(str, counts)) + f";{sum(counts)}\n")
                rows += 2
    births = landing / "insee" / "naissances"
    births.mkdir(parents=True)
    with (births / f"base_naissances_{last_year}.csv").open("w", encoding="utf-8") as out:
        columns = [f"NAISD{str(year)[2:]}" for year in range(last_year - 5, last_year + 1)]
        out.write(";".join(["CODGEO", *columns]) + "\n")
        for code in membership:
            out.write(f"{code};" + ";".join(str(rng.randint(0, 60)) for _ in columns) + "\n")
            rows += 1
    return rows


def write_landing(landing: Path, codes: list[str], years: list[int], membership: dict[str, str]) -> int:
    """The extracts; returns their number of data rows."""
    rng = random.Random(1)
    caf = landing / "caf"
    caf.mkdir(parents=True)
    for theme in THEME_LIST:
        columns = theme.required
        for year in years:
            with (caf / f"{FILE_STEMS[theme.theme]}{year}.csv").open("w", encoding="utf-8") as out:
                out.write("Communes;Codes_Insee;" + ";".join(columns) + "\n")
                for code in codes:
                    values = (" " if 0 < v < 5 else str(v) for v in row_values(rng, columns))
                    out.write(f"Commune {code};{code};" + ";".join(values) + "\n")
    for year in years:
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
    write_composition(landing / "insee" / "Intercommunalite_Metropole_au_01-01-2024.xlsx", membership)
    extra = write_portal_and_onape(landing, rng, membership, max(years))
    return len(codes) * (len(THEME_LIST) * len(years) + len(years) + 2) + extra


def tree_rss_mb(root: int) -> float:
    """Resident memory of a process and all its descendants, from /proc (Linux)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            fields = dict(line.split(":", 1) for line in status.read_text().splitlines() if ":" in line)
        except OSError:
            continue
        pid = int(status.parent.name)
        children.setdefault(int(fields["PPid"].strip()), []).append(pid)
        rss[pid] = int(fields.get("VmRSS", "0 kB").split()[0])
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total / 1024


def run_refresh(landing: Path, warehouse: Path) -> dict:
    """One `ctg refresh` in a subprocess: wall time, time to its first step, peak tree memory."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CTG_", "DAGSTER_HOME"))}
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "orchestration.cli", "refresh", "--landing", str(landing), "--warehouse", str(warehouse),
         "--territory", "all"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env,
    )
    peak, done = [0.0], threading.Event()

    def sample() -> None:
        while not done.is_set():
            peak[0] = max(peak[0], tree_rss_mb(process.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample)
    sampler.start()
    first_step = None
    output = []
    marks: dict[str, float] = {}  # when the dbt step started and ended
    for line in process.stdout:
        output.append(line)
        now = time.perf_counter() - started
        if first_step is None and "▶" in line:
            first_step = now
        for mark in ("▶ dbt", "✓ dbt"):
            if mark in line:
                marks.setdefault(mark, now)
        if "▶" in line or "✓" in line or "incrémental" in line or "Terminé" in line:
            print(f"  {now:6.1f} s  {line.strip()[:110]}")
    errors = process.stderr.read()
    process.wait()
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        print("".join(output)[-3000:], errors[-3000:])
    phases = {}
    if first_step is not None and {"▶ dbt", "✓ dbt"} <= marks.keys():
        phases = {"startup": first_step, "ingestion": marks["▶ dbt"] - first_step,
                  "dbt": marks["✓ dbt"] - marks["▶ dbt"], "publication_report": elapsed - marks["✓ dbt"]}
    return {"s": elapsed, "startup_s": first_step, "peak_rss_mb": peak[0], "exit": process.returncode,
            "phases_s": {name: round(seconds, 1) for name, seconds in phases.items()}}


def change_one_extract(landing: Path) -> None:
    """A corrected file: one count of one legacy theme and year changes."""
    path = sorted((landing / "caf").glob("NIVCOMTOTAL*.csv"))[-1]
    lines = path.read_text(encoding="utf-8").splitlines()
    cells = lines[1].split(";")
    cells[-1] = str(int(cells[-1]) + 1) if cells[-1].strip() else "7"
    lines[1] = ";".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communes", type=int, default=35000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "results.json"))
    parser.add_argument("--keep", metavar="DIR", help="write the extracts and warehouses there and keep them "
                        "(to profile one model with ctg-dbt afterwards)")
    parser.add_argument("--incremental-runs", type=int, default=3,
                        help="refreshes after one extract changed, one after the other (their median is reported)")
    args = parser.parse_args()
    years = list(range(2018 - args.years + 1, 2019))
    with (contextlib.nullcontext(args.keep) if args.keep else tempfile.TemporaryDirectory()) as tmp:
        root = Path(tmp)
        codes = commune_codes(args.communes)
        membership = epci_of(codes)
        rows = write_landing(root / "landing", codes, years, membership)
        composition = root / "composition.csv"
        composition.write_text("code_commune,epci_siren,epci_libelle\n"
                               + "".join(f"{c},{e},{epci_name(e)}\n" for c, e in membership.items()))
        files = [p for p in (root / "landing").rglob("*") if p.is_file()]
        size = sum(p.stat().st_size for p in files)
        print(f"{len(codes)} communes, {len(years)} years, {len(files)} files, {size / 1e6:.0f} MB, {rows} rows")
        landing = root / "landing"
        mart_sql = baseline.mart_statements(landing, composition, DEPARTEMENTS)
        sums_sql = baseline.sums_statements(landing, composition)
        # The machine's speed drifts by 15 to 25 % within minutes: the baselines run just before
        # and just after the full refresh, and the ratios use their means.
        before_s, baseline_rows, _ = baseline.run(mart_sql)
        sums_before_s, sums_rows, _ = baseline.run(sums_sql, count=baseline.SUMS_FIGURES)
        print(f"baseline (DuckDB SQL from the CSVs): {before_s:.1f} s, {baseline_rows} rows of marts.indicateurs; "
              f"sums only: {sums_before_s:.1f} s")
        warehouse = root / "warehouse" / "ctg.duckdb"
        first = run_refresh(landing, warehouse)
        print(f"refresh: {first['s']:.0f} s (first step after {first['startup_s']:.0f} s), exit {first['exit']}, "
              f"peak {first['peak_rss_mb']:.0f} MB")
        after_s, _, comparison = baseline.run(mart_sql, compare_with=warehouse if first["exit"] == 0 else None)
        sums_after_s, _, _ = baseline.run(sums_sql, count=baseline.SUMS_FIGURES)
        baseline_s, sums_s = (before_s + after_s) / 2, (sums_before_s + sums_after_s) / 2
        print(f"baseline again: {after_s:.1f} s (mean {baseline_s:.1f} s); sums only {sums_after_s:.1f} s "
              f"(mean {sums_s:.1f} s); against the published rows: {comparison}")
        incrementals = []
        for _ in range(args.incremental_runs):
            change_one_extract(landing)
            incrementals.append(run_refresh(landing, warehouse))
            print(f"one extract changed: {incrementals[-1]['s']:.1f} s, exit {incrementals[-1]['exit']}")
        incremental = sorted(incrementals, key=lambda run: run["s"])[len(incrementals) // 2]  # the median
        # The incremental runs compared with full refreshes of the same minutes: a second one,
        # into another warehouse (its own build database and archive), after them.
        second = run_refresh(landing, root / "warehouse-2" / "ctg2.duckdb")
        print(f"refresh again, into another warehouse: {second['s']:.0f} s, exit {second['exit']}")
        full_s = (first["s"] + second["s"]) / 2
        with duckdb.connect(str(warehouse), read_only=True) as con:
            published = con.execute("select count(*) from marts.indicateurs").fetchone()[0]
    results = {
        "refresh_s": round(first["s"], 1),
        "baseline_s": round(baseline_s, 1),
        "baseline_runs_s": [round(before_s, 1), round(after_s, 1)],
        "ratio_refresh_vs_duckdb": round(first["s"] / baseline_s, 1),
        "baseline_rows": baseline_rows,
        "baseline_vs_published": comparison,
        "baseline_sums_only_s": round(sums_s, 1),
        "baseline_sums_only_runs_s": [round(sums_before_s, 1), round(sums_after_s, 1)],
        "ratio_refresh_vs_sums_only": round(first["s"] / sums_s, 1),
        "refresh_runs_s": [round(first["s"], 1), round(second["s"], 1)],
        "peak_rss_mb": round(max(first["peak_rss_mb"], second["peak_rss_mb"], *(run["peak_rss_mb"] for run in incrementals))),
        "rows_per_s": round(rows / first["s"]),
        "incremental_s": round(incremental["s"], 1),
        "incremental_runs_s": [round(run["s"], 1) for run in incrementals],
        # Against the mean of the full refreshes before and after the incremental runs.
        "incremental_share_of_refresh": round(incremental["s"] / full_s, 3),
        "startup_s": round(first["startup_s"], 1),
        # Where each refresh spent its time (from the moments its steps were printed; the
        # incremental refresh's (the median one's) dbt phase runs from its first to its last dbt step).
        "phases_s": {"refresh": first["phases_s"], "incremental": incremental["phases_s"]},
        "machine": {"cpus": os.cpu_count(), "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30),
                    "platform": platform.platform(), "python": platform.python_version(), "duckdb": duckdb.__version__},
        "territory": "all",
        "inputs": {"communes": len(codes), "epcis": len(set(membership.values())), "years": len(years),
                   "files": len(files), "megabytes": round(size / 1e6),
                   "rows": rows},
        "published_indicator_rows": published,
        "baseline_sums_only_figures": sums_rows,
        "exit_codes": [first["exit"], *(run["exit"] for run in incrementals), second["exit"]],
        "measured_on": time.strftime("%Y-%m-%d"),
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
