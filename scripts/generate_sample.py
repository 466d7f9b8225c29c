"""Generate the bundled sample extracts in data/sample/ (deterministic, committed output).

The 22 communes of the CA du Boulonnais get figures whose EPCI totals are those the
convention printed (Annexe 1: 2018 CAF counts, 2016 population, and 2013 / 2011 for the
5-year variations). The rest of département 62 is 70 *synthetic* communes (codes 62910 to
62979, unused by the COG) whose totals make the Pas-de-Calais column come out as printed.
Statistical secrecy is applied as the CAF does (counts of 1 to 4 become a blank); the blanked
mass is moved to the largest commune so that visible sums still equal the printed totals.

Run: uv run python scripts/generate_sample.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
TERRITORY = ROOT / "ingest" / "reference" / "territoire_246200729.csv"
SYNTHETIC_CODES = [f"629{n:02d}" for n in range(10, 80)]

CONFIG_COLUMNS = [
    "COUP_0_ENF", "COUP_1_ENF", "COUP_2_ENF", "COUP_3_ENF", "COUP_4plus_ENF",
    "Homme_Isole", "Femme_Isolee", "MONO_1_ENF", "MONO_2_ENF", "MONO_3_ENF", "MONO_4plus_ENF",
]

# Totals (EPCI, département) per year; NB_Allocataires is the sum of the configurations.
CONFIG_TOTALS = {
    ("cab", 2018): [1886, 2300, 3800, 1500, 562, 5000, 6364, 1930, 1525, 700, 262],
    ("cab", 2013): [1900, 2450, 4050, 1700, 599, 4300, 5178, 1980, 1560, 720, 280],
    ("dep", 2018): [21160, 33000, 56000, 22000, 7800, 50000, 62700, 18350, 17950, 7600, 3478],
    ("dep", 2013): [21000, 34500, 58500, 23000, 8405, 38000, 48473, 17500, 17100, 7300, 3265],
}
COVERED_TOTALS = {  # NB_Pers_par_Foyer_Alloc, NB_Enfants
    ("cab", 2018): [61029, 25098],
    ("cab", 2013): [62530, 27221],
    ("dep", 2018): [777984, 337886],
    ("dep", 2013): [768000, 348696],
}
# Recent populations of the 22 communes (shared/reference), used only as weights.
BASE_POPULATION = {
    "62075": 1314, "62160": 40910, "62235": 2469, "62237": 521, "62264": 1323, "62281": 380, "62300": 2613, "62446": 821, "62448": 1881, "62474": 1147, "62603": 1070, "62604": 3870, "62643": 13270, "62653": 417, "62658": 116, "62667": 8897, "62746": 5072, "62755": 3338, "62758": 10999, "62893": 6358, "62894": 3888, "62908": 1590
}
POPULATION_TOTALS = {("cab", 2016): 114762, ("cab", 2011): 117705, ("dep", 2016): 1470725, ("dep", 2011): 1463408}


def allocate(total: int, weights: list[float]) -> list[int]:
    """Integers proportional to weights summing exactly to total (largest remainder)."""
    scale = total / sum(weights)
    raw = [w * scale for w in weights]
    values = [int(r) for r in raw]
    order = sorted(range(len(raw)), key=lambda i: raw[i] - values[i], reverse=True)
    for i in order[: total - sum(values)]:
        values[i] += 1
    return values


def mask_small(values: list[int]) -> list[int | None]:
    """CAF secrecy: 1 to 4 become blank; their mass goes to the largest cell."""
    masked = [None if 0 < v < 5 else v for v in values]
    hidden = sum(v for v, m in zip(values, masked) if m is None)
    largest = max(range(len(values)), key=lambda i: values[i])
    masked[largest] += hidden
    return masked


def write_csv(path: Path, header: list[str], rows: list[list], encoding: str, sep: str = ";") -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=sep, lineterminator="\r\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow([" " if v is None else v for v in row])


def main() -> None:
    rng = random.Random(62)
    with TERRITORY.open(encoding="utf-8") as handle:
        territory = list(csv.DictReader(handle))
    groups = {
        "cab": [(r["code_commune"], r["libelle_commune"], BASE_POPULATION[r["code_commune"]]) for r in territory],
        "reste": [
            (code, f"Commune synthétique {code}", int(rng.lognormvariate(9.3, 1.1)) + 150)
            for code in SYNTHETIC_CODES
        ],
    }

    def group_total(table: dict, group: str, year: int, index: int | None = None):
        cab = table[("cab", year)]
        dep = table[("dep", year)]
        if index is not None:
            cab, dep = cab[index], dep[index]
        return cab if group == "cab" else dep - cab

    # Populations légales (2011 in the older header variant, 2016 in the newer one).
    population = {}
    for year in (2011, 2016):
        rows_new, rows_old = [], []
        for group, communes in groups.items():
            weights = [p * rng.uniform(0.97, 1.03) for _, _, p in communes]
            pmun = allocate(group_total(POPULATION_TOTALS, group, year), weights)
            for (code, name, _), value in zip(communes, pmun):
                population[(code, year)] = value
                pcap = round(value * rng.uniform(0.005, 0.025))
                rows_new.append(["32", "Hauts-de-France", "62", "62" + code[2], "62" + code[3:5], code[2:], code, name, value, pcap, value + pcap])
                rows_old.append(["32", "Hauts-de-France", "62", "2", "99", code[2:], name, value, pcap, value + pcap])
        folder = SAMPLE / "insee" / "populations_legales" / str(year)
        if year == 2016:
            header = ["REG", "Région", "DEP", "CODARR", "CODCAN", "CODCOM", "COM", "Commune", "PMUN", "PCAP", "PTOT"]
            write_csv(folder / "donnees_communes.csv", header, rows_new, "utf-8")
        else:
            header = ["CODREG", "REG", "CODDEP", "CODARR", "CODCAN", "CODCOM", "COM", "PMUN", "PCAP", "PTOT"]
            write_csv(folder / "donnees_communes.csv", header, rows_old, "cp1252")

    # CAF legacy files: 2013 in CP1252 with the lower-case spellings and another column order,
    # 2018 in UTF-8 with BOM. Each has one row of allocataires not located (XXXXX).
    for year in (2013, 2018):
        pop_year = 2011 if year == 2013 else 2016
        config_rows, covered_rows = [], []
        for group, communes in groups.items():
            weights = [population[(code, pop_year)] for code, _, _ in communes]
            true_config = [
                allocate(group_total(CONFIG_TOTALS, group, year, i), [w * rng.uniform(0.8, 1.2) for w in weights])
                for i in range(len(CONFIG_COLUMNS))
            ]
            config = [mask_small(column) for column in true_config]
            covered = [
                mask_small(allocate(group_total(COVERED_TOTALS, group, year, i), [w * rng.uniform(0.9, 1.1) for w in weights]))
                for i in range(2)
            ]
            for n, (code, name, _) in enumerate(communes):
                # NB_Allocataires counts every allocataire, masked cells included.
                allocataires = sum(column[n] for column in true_config)
                config_rows.append([name, code, allocataires] + [column[n] for column in config])
                covered_rows.append([name, code] + [column[n] for column in covered])
        config_rows.append(["Non localisé", "XXXXX", 12, 1, None, None, None, None, 3, 4, 2, None, None, None])
        covered_rows.append(["Non localisé", "XXXXX", 25, 9])
        caf = SAMPLE / "caf"
        if year == 2013:
            header = ["Communes", "Codes_Insee", "NB_allocataires"] + [c.lower() for c in CONFIG_COLUMNS]
            # Another column order: isolés last, as some years publish them.
            order = [0, 1, 2, 3, 4, 5, 6, 7, 10, 11, 12, 13, 8, 9]
            header = [header[i] for i in order]
            config_rows = [[row[i] for i in order] for row in config_rows]
            write_csv(caf / f"configfamiliale{year}.csv", header, config_rows, "cp1252")
            write_csv(caf / f"NIVCOMTOTAL{year}.csv", ["Communes", "Codes_Insee", "NB_Pers_par_Foyer_Alloc", "NB_Enfants"], covered_rows, "cp1252")
        else:
            header = ["Communes", "Codes_Insee", "NB_Allocataires"] + CONFIG_COLUMNS
            write_csv(caf / f"ConfigFamiliale{year}.csv", header, config_rows, "utf-8-sig")
            write_csv(caf / f"NIVCOMTOTAL{year}.csv", ["Communes", "Codes_Insee", "NB_Pers_par_Foyer_Alloc", "NB_Enfants"], covered_rows, "utf-8-sig")
    print(f"sample written to {SAMPLE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
