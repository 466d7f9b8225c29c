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
# Other legacy themes: {(file name stem, year): {column: (CAB total, département total)}}.
# NB_Allocataires of RSA/AAH/PAJE/LOG files is that of ConfigFamiliale, commune by commune.
LEGACY_TOTALS = {
    ("RSACom", 2018): {"NB_allocataire_RSA": (5233, 54946), "RSA_SOCLE_Majore": (760, 8900)},
    ("RSACom", 2013): {"NB_allocataire_RSA": (7159, 72680), "RSA_SOCLE_Majore": (820, 9800)},
    ("AAHCom", 2018): {"ALL_AAH": (2236, 27318)},
    ("AAHCom", 2013): {"ALL_AAH": (2018, 24678)},
    ("BasrevenuCom", 2018): {"ALL_bas_revenu": (9702, 104750), "Pers_bas_revenu": (25000, 280000),
                             "NB_pers_couv_ress": (50000, 640000), "NB_allocataires_ress": (21000, 250000)},
    ("BasrevenuCom", 2013): {"ALL_bas_revenu": (9500, 100000), "Pers_bas_revenu": (24500, 270000),
                             "NB_pers_couv_ress": (51000, 630000), "NB_allocataires_ress": (20500, 240000)},
    ("DependancePrestaCom", 2018): {"NB_Allocataires": (21000, 250000), "TR50PFRB": (2856, 29250), "TR100PFRB": (4158, 45000)},
    ("DependancePrestaCom", 2013): {"NB_Allocataires": (20500, 240000), "TR50PFRB": (2800, 28000), "TR100PFRB": (4300, 46000)},
    ("enfantAEEH", 2018): {"NB_enfant_AEEH": (707, 9000)},
    ("enfantAEEH", 2013): {"NB_enfant_AEEH": (490, 6500)},
    ("EnfantAgeCom", 2018): {"NB_Enfants_0_2_ans": (3435, 46811), "NB_Enfants_3_5_ans": (3588, 50418),
                             "NB_Enfants_6_11_ans": (7900, 105000), "NB_Enfants_12_15_ans": (5200, 70000),
                             "NB_Enfants_16_17_ans": (2600, 35000), "NB_Enfants_18_19_ans": (1900, 24000),
                             "NB_Enfants_20_24_ans": (475, 6657), "NB_Enfants": (25098, 337886)},
    # Annexe 1's youth table (2017): 8,072 / 109,111 children of 6-11, 7,749 / 100,860 of 12-17,
    # 1,925 / 23,367 of 18-19; their shares 31.5 / 32.0, 30.2 / 29.6, 7.5 / 6.9 %.
    ("EnfantAgeCom", 2017): {"NB_Enfants_0_2_ans": (3500, 47500), "NB_Enfants_3_5_ans": (3650, 51000),
                             "NB_Enfants_6_11_ans": (8072, 109111), "NB_Enfants_12_15_ans": (5200, 67300),
                             "NB_Enfants_16_17_ans": (2549, 33560), "NB_Enfants_18_19_ans": (1925, 23367),
                             "NB_Enfants_20_24_ans": (729, 5700), "NB_Enfants": (25625, 340800)},
    ("EnfantAgeCom", 2013): {"NB_Enfants_0_2_ans": (4056, 55398), "NB_Enfants_3_5_ans": (4054, 53808),
                             "NB_Enfants_6_11_ans": (8500, 110000), "NB_Enfants_12_15_ans": (5600, 72000),
                             "NB_Enfants_16_17_ans": (2800, 36000), "NB_Enfants_18_19_ans": (2000, 15000),
                             "NB_Enfants_20_24_ans": (211, 6490), "NB_Enfants": (27221, 348696)},
    ("PAJECom", 2018): {"ALL_PAJE": (4000, 52000), "ALL_PRIM": (100, 1500), "ALL_BASEP": (3500, 47000), "ALL_CMG": (700, 14000)},
    ("PAJECom", 2013): {"ALL_PAJE": (4600, 58000), "ALL_PRIM": (120, 1700), "ALL_BASEP": (4000, 52000), "ALL_CMG": (720, 14100)},
    ("LOGCom", 2018): {"total_allocataires_logement": (14000, 140000), "total_ALF": (3000, 35000),
                       "total_ALS": (5000, 45000), "total_APL": (6000, 60000)},
    ("LOGCom", 2013): {"total_allocataires_logement": (13500, 136000), "total_ALF": (3100, 36000),
                       "total_ALS": (4600, 42000), "total_APL": (5800, 58000)},
}
# 2012, five years before the youth table: its variations -3.4 / +1.0 % (6-11), -5.5 / +2.0 %
# (12-17), -4.4 / +1.5 % (6-17), -3.0 / +6.5 % (18-19). Drawn from a generator of its own, so
# that the files above keep their figures.
ENFANT_AGE_2012 = {"NB_Enfants_0_2_ans": (4100, 56000), "NB_Enfants_3_5_ans": (4100, 54000),
                   "NB_Enfants_6_11_ans": (8356, 108031), "NB_Enfants_12_15_ans": (5500, 65900),
                   "NB_Enfants_16_17_ans": (2700, 32982), "NB_Enfants_18_19_ans": (1985, 21941),
                   "NB_Enfants_20_24_ans": (220, 6400), "NB_Enfants": (27400, 350000)}
# The CAF's Boulogne antenne (Annexe 1, Handicap table): the CAB and two neighbouring
# intercommunalities, stood for by three synthetic communes chosen for their allocataires
# (7,356) and children (9,766), as declared in dbt_project/seeds/groupements.csv. Their AAH and
# AEEH figures make the antenne's come out as printed (AAH 2,834, +11.4 %, 8.5 %; AEEH 992,
# +48.3 %, 2.8 %); the difference is taken from the largest other synthetic commune, so that
# the département's totals do not move.
ANTENNE_FIGURES = {
    ("AAHCom", 2018, "ALL_AAH"): {"62957": 270, "62935": 205, "62938": 123},
    ("AAHCom", 2013, "ALL_AAH"): {"62957": 237, "62935": 181, "62938": 108},
    ("enfantAEEH", 2018, "NB_enfant_AEEH"): {"62957": 129, "62935": 98, "62938": 58},
    ("enfantAEEH", 2013, "NB_enfant_AEEH"): {"62957": 81, "62935": 61, "62938": 37},
}
# Annexe 1's text, §1.1: the CAB is "more than 72 %" of the antenne's population and 77 % of its
# allocataires. The antenne's synthetic communes get 4,700 more inhabitants in 2016 (114,762 /
# 159,053 = 72.2 %) and 250 more allocataires in 2018 (25,829 / 33,435 = 77.3 %; AAH 8.5 %
# still), taken from the largest other synthetic commune: the département's totals stay, and
# the weights the other files are drawn with do not move.
ANTENNE_CODES = ["62957", "62935", "62938"]
ANTENNE_MORE = {("population", 2016): 4700, ("allocataires", 2018): 250}
# Annexe 1's text, early childhood by commune: CAF children under 3 (the focus: EnfantAgeCom
# 2018), births of 2017 and of 2014 (their 3-year trend). Saint-Martin-Boulogne's -10.29 % and
# the SIVU's -14.6 % cannot be reached with whole births (they are listed as such in
# tests/data/annexe1_text_figures.csv). The other communes share the rest of the EPCI's total.
TEXT_CHILDREN_UNDER_3_2018 = {"62160": 1378, "62893": 169, "62758": 338, "62667": 313, "62643": 434, "62604": 104,
                              "62746": 150, "62755": 110, "62474": 44}
TEXT_BIRTHS = {2017: {"62160": 488, "62893": 51, "62758": 124, "62667": 131, "62643": 142, "62604": 34,
                      "62746": 47, "62755": 35, "62474": 14},
               2014: {"62160": 618, "62893": 71, "62758": 138, "62667": 132, "62643": 178, "62604": 33,
                      "62746": 55, "62755": 41, "62474": 16}}
WITH_ALLOCATAIRES = {"RSACom", "AAHCom", "PAJECom", "LOGCom"}
# Partner extract: {(variable, year): (CAB total, département total)}.
PARTNER_TOTALS = {
    ("allocataires_msa", 2018): (477, 9029), ("allocataires_msa", 2013): (448, 7962),
    ("personnes_couvertes_msa", 2018): (1137, 25863), ("personnes_couvertes_msa", 2013): (1204, 24239),
    ("allocataires_fragiles", 2018): (3948, 45000),
    ("familles_afi", 2018): (1069, 12297),
    ("enfants_moins3_parents_actifs", 2018): (1353, 21861),
    ("enfants_moins3_cmg", 2018): (651, 13791), ("enfants_moins3_cmg", 2013): (674, 13860),
    ("am_actives", 2019): (301, 9000), ("am_actives", 2016): (316, 9300),
    ("am_actives_55_plus", 2019): (111, 3000),
}
# 2018 figures of CAF's own files (Annexe 1): PPA foyers (7,816 / 85,193, 30.3 / 28.4 % of
# allocataires) and children under 3 with a potential childcare need (13.8 / 14.0 %), drawn
# from a generator of their own. The complément d'activité (0.1 / 0.0 %) is written as is.
PARTNER_TOTALS_2018 = {("beneficiaires_ppa", 2018): (7816, 85193), ("enfants_moins3_besoin_garde", 2018): (474, 6554),
                       # the text's AM: 308 in 2018, -8.3 % in 3 years, 32.5 % of them 55 or older
                       ("am_actives", 2015): (336, 9500), ("am_actives", 2018): (308, 9100),
                       ("am_actives_55_plus", 2018): (100, 2900),
                       # 346 AM active at least one month in 2019, 772 families employing one
                       ("am_actives_au_moins_un_mois", 2019): (346, 10100), ("familles_employeur_am", 2019): (772, 23000)}
# The text's childminders of 2019 (Pajemploi, monthly means): 907 children under 6 cared for,
# 81 paid hours a month per child (73,467 hours), a mean net wage of 956.75 € (257,366 € for 269
# childminders paid) and 3.50 € per hour (257,366 / 73,467). Drawn from a generator of their own.
PARTNER_PAJEMPLOI_2019 = {("enfants_moins6_gardes_am", 2019): (907, 25000),
                          ("heures_remunerees_am", 2019): (73467, 2125000),
                          ("salaires_nets_am", 2019): (257366, 7488000), ("am_remunerees", 2019): (269, 7800)}
COMPLEMENT_ACTIVITE_2018 = {"62160": 5, "62910": 5, "62911": 5, "62912": 5}
# Years after the convention's baseline (illustrative, for Axe 2's new AM): drawn from a
# random generator of their own, so that the figures above stay as they are.
PARTNER_TOTALS_SINCE_2021 = {("am_actives", 2021): (296, 8900), ("am_actives", 2022): (302, 8850),
                             ("am_actives", 2023): (309, 8800)}
# Census: {year: {variable: (CAB total, département total)}}; 2010 is written as the IRIS edition.
CENSUS_TOTALS = {
    2016: {"POP": (114900, 1471000), "POP0019": (27000, 363000), "POP6074": (18000, 220000),
           "POP7589": (8000, 100000), "POP90P": (1000, 10000), "POP0610": (7300, 95000), "POP1117": (10900, 143000)},
    2015: {"POP": (116214, 1473549), "POP0019": (27500, 364000), "POP6074": (17500, 215000),
           "POP7589": (8000, 99000), "POP90P": (950, 9800), "POP0610": (7400, 95500), "POP1117": (11078, 143215)},
    2010: {"POP": (118500, 1461000), "POP0610": (7800, 94000), "POP1117": (11488, 140034)},
}
BIRTHS_TOTALS = {2013: (1407, 19048), 2014: (1350, 18500), 2015: (1300, 17800), 2016: (1250, 17000),
                 2017: (1200, 16300), 2018: (1168, 15600)}
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


def move_to_antenne(communes: list[tuple], values: list[int], more: int) -> list[int]:
    """The values with `more` added to the antenne's first commune and taken from the largest
    commune outside the antenne (the group's total stays)."""
    codes = [code for code, _, _ in communes]
    result = list(values)
    if more:
        largest = max((i for i, code in enumerate(codes) if code not in ANTENNE_CODES), key=lambda i: values[i])
        result[codes.index(ANTENNE_CODES[0])] += more
        result[largest] -= more
    return result


def mask_small(values: list[int]) -> list[int | None]:
    """CAF secrecy: 1 to 4 become blank; their mass goes to the largest cell."""
    masked = [None if 0 < v < 5 else v for v in values]
    hidden = sum(v for v, m in zip(values, masked, strict=False) if m is None)
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
            written = move_to_antenne(communes, pmun, ANTENNE_MORE.get(("population", year), 0) if group == "reste" else 0)
            # The file's figures are `written`; the weights of the other files keep the drawn ones.
            for (code, name, _), drawn, value in zip(communes, pmun, written, strict=False):
                population[(code, year)] = drawn
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

    allocataires_by_year: dict[int, dict[str, int]] = {}
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
            if group == "reste":
                true_config[0] = move_to_antenne(communes, true_config[0], ANTENNE_MORE.get(("allocataires", year), 0))
            config = [mask_small(column) for column in true_config]
            covered = [
                mask_small(allocate(group_total(COVERED_TOTALS, group, year, i), [w * rng.uniform(0.9, 1.1) for w in weights]))
                for i in range(2)
            ]
            for n, (code, name, _) in enumerate(communes):
                # NB_Allocataires counts every allocataire, masked cells included.
                allocataires = sum(column[n] for column in true_config)
                allocataires_by_year.setdefault(year, {})[code] = allocataires
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

    write_other_sources(rng, groups, population, allocataires_by_year)
    print(f"sample written to {SAMPLE.relative_to(ROOT)}")


def spread(rng: random.Random, groups: dict, weights: dict, totals: tuple[int, int], noise: float = 0.2) -> dict[str, int]:
    """One column: CAB and rest-of-département totals spread over their communes."""
    values = {}
    for group, communes in groups.items():
        total = totals[0] if group == "cab" else totals[1] - totals[0]
        allocated = allocate(total, [weights[code] * rng.uniform(1 - noise, 1 + noise) for code, _, _ in communes])
        values.update({code: v for (code, _, _), v in zip(communes, allocated, strict=False)})
    return values


def masked_by_group(groups: dict, values: dict[str, int]) -> dict[str, int | None]:
    result = {}
    for communes in groups.values():
        codes = [code for code, _, _ in communes]
        result.update(zip(codes, mask_small([values[c] for c in codes]), strict=False))
    return result


def set_spreading_rest(values: dict[str, int | None], fixed: dict[str, int], group: list[str], mask: bool) -> None:
    """Give some communes of a group fixed figures; its other communes share the rest of the
    group's total in proportion to their figures (masked again when 1 to 4, their mass on the
    largest of them)."""
    total = sum(values[code] or 0 for code in group)
    others = [code for code in group if code not in fixed]
    shares = allocate(total - sum(fixed.values()), [values[code] or 0.5 for code in others])
    values.update(fixed)
    values.update(dict(zip(others, mask_small(shares) if mask else shares, strict=True)))


def set_keeping_total(values: dict[str, int | None], fixed: dict[str, int], group: list[str]) -> None:
    """Give some communes fixed figures; the largest other commune of their group absorbs the
    difference, so that the group's total stays the same."""
    delta = sum(fixed.values()) - sum(values[code] or 0 for code in fixed)
    largest = max((code for code in group if code not in fixed), key=lambda code: values[code] or 0)
    values.update(fixed)
    values[largest] -= delta


def write_other_sources(rng: random.Random, groups: dict, population: dict, allocataires: dict) -> None:
    communes = [c for g in groups.values() for c in g]
    weights = {code: population[(code, 2016)] for code, _, _ in communes}
    caf = SAMPLE / "caf"
    # Other legacy themes, UTF-8 for 2018, CP1252 for the older years.
    def write_legacy(generator: random.Random, stem: str, year: int, columns: dict) -> None:
        header = ["Communes", "Codes_Insee"] + (["NB_Allocataires"] if stem in WITH_ALLOCATAIRES else []) + list(columns)
        cells = {name: masked_by_group(groups, spread(generator, groups, weights, totals)) for name, totals in columns.items()}
        for column in columns:
            if fixed := ANTENNE_FIGURES.get((stem, year, column)):
                set_keeping_total(cells[column], fixed, [code for code, _, _ in groups["reste"]])
        if (stem, year) == ("EnfantAgeCom", 2018):
            set_spreading_rest(cells["NB_Enfants_0_2_ans"], TEXT_CHILDREN_UNDER_3_2018,
                               [code for code, _, _ in groups["cab"]], mask=True)
        rows = []
        for code, name, _ in communes:
            row = [name, code] + ([allocataires[year][code]] if stem in WITH_ALLOCATAIRES else [])
            rows.append(row + [cells[column][code] for column in columns])
        write_csv(caf / f"{stem}{year}.csv", header, rows, "utf-8" if year >= 2018 else "cp1252")

    for (stem, year), columns in LEGACY_TOTALS.items():
        write_legacy(rng, stem, year, columns)
    write_legacy(random.Random(2012), "EnfantAgeCom", 2012, ENFANT_AGE_2012)

    # Partner extract (long format, blank = masked).
    rows = []
    for (variable, year), totals in PARTNER_TOTALS.items():
        values = masked_by_group(groups, spread(rng, groups, weights, totals))
        rows += [[code, year, variable, values[code]] for code, _, _ in communes]
    rng_2018 = random.Random(2018)
    for (variable, year), totals in PARTNER_TOTALS_2018.items():
        values = masked_by_group(groups, spread(rng_2018, groups, weights, totals))
        rows += [[code, year, variable, values[code]] for code, _, _ in communes]
    rows += [[code, 2018, "enfants_moins3_complement_activite", COMPLEMENT_ACTIVITE_2018.get(code, 0)]
             for code, _, _ in communes]
    pajemploi_rng = random.Random(2019)
    for (variable, year), totals in PARTNER_PAJEMPLOI_2019.items():
        values = masked_by_group(groups, spread(pajemploi_rng, groups, weights, totals))
        rows += [[code, year, variable, values[code]] for code, _, _ in communes]
    since_rng = random.Random(2021)
    for (variable, year), totals in PARTNER_TOTALS_SINCE_2021.items():
        values = masked_by_group(groups, spread(since_rng, groups, weights, totals))
        rows += [[code, year, variable, values[code]] for code, _, _ in communes]
    write_csv(caf / "partenaire" / "extrait_partenaire_caf.csv", ["code_commune", "annee", "variable", "valeur"], rows, "utf-8")

    # Census: commune edition for 2015 and 2016, IRIS edition for 2010 (Boulogne in 3 IRIS).
    insee = SAMPLE / "insee"
    for year, variables in CENSUS_TOTALS.items():
        yy = f"{year % 100:02d}"
        values = {v: spread(rng, groups, weights, totals, noise=0.05) for v, totals in variables.items()}
        header_vars = [f"P{yy}_{v}" for v in variables]
        if year == 2010:
            rows = []
            for code, name, _ in communes:
                parts = 3 if code == "62160" else 1
                for i in range(parts):
                    share = [round(values[v][code] / parts + (0.25 if i == 0 else -0.25 if i == 1 else 0), 4) if parts > 1 else values[v][code] for v in variables]
                    rows.append([f"{code}{i + 101:04d}" if parts > 1 else f"{code}0000", code, name] + share)
            write_csv(insee / "recensement" / f"base-ic-evol-struct-pop-{year}.csv", ["IRIS", "COM", "LIBCOM"] + header_vars, rows, "utf-8")
        else:
            rows = [[code, name] + [values[v][code] for v in variables] for code, name, _ in communes]
            write_csv(insee / "recensement" / f"base-cc-evol-struct-pop-{year}.CSV", ["CODGEO", "LIBGEO"] + header_vars, rows, "utf-8")

    # Births: one file, one NAISD column per year.
    births = {year: spread(rng, groups, weights, totals) for year, totals in BIRTHS_TOTALS.items()}
    for year, fixed in TEXT_BIRTHS.items():
        set_spreading_rest(births[year], fixed, [code for code, _, _ in groups["cab"]], mask=False)
    rows = [[code] + [births[year][code] for year in BIRTHS_TOTALS] for code, _, _ in communes]
    write_csv(insee / "naissances" / "base_naissances_2018.csv", ["CODGEO"] + [f"NAISD{y % 100:02d}" for y in BIRTHS_TOTALS], rows, "utf-8")

    write_current_portal(rng, groups, weights)
    write_onape()


def round5(value: float) -> int:
    return int(5 * round(value / 5))


def write_current_portal(rng: random.Random, groups: dict, weights: dict) -> None:
    """s_ben_com_f (technical names) for December 2021 and 2022, rsa_s_type_com_f with French
    labels, ndur_s_qf_400_com_f: counts rounded to 5, amounts to 100 euros, as published."""
    communes = [c for g in groups.values() for c in g]
    caf = SAMPLE / "caf" / "portail"
    rows, rsa_rows, qf_rows = [], [], []
    for year, scale in ((2021, 1.0), (2022, 0.99)):
        foyers = spread(rng, groups, weights, (round(25600 * scale), round(298000 * scale)), noise=0.1)
        for code, name, _ in communes:
            f = foyers[code]
            people = f * 2.35
            rsa, ppa = f * 0.19, f * 0.31
            rows.append([f"{year}-12", code, name, round5(f), round5(people), round5(rsa), int(round(rsa * 520, -2)),
                         round5(ppa), int(round(ppa * 190, -2)), round5(f * 0.09), round5(f * 0.33)])
            if year == 2021:
                rsa_rows.append([f"{year}-12", code, name, "RSA majoré", round5(rsa * 0.15), round5(rsa * 0.15 * 3.1)])
                rsa_rows.append([f"{year}-12", code, name, "RSA non majoré", round5(rsa * 0.85), round5(rsa * 0.85 * 1.7)])
                for band, share in (("Moins de 400 euros", 0.22), ("De 400 à moins de 800 euros", 0.38),
                                    ("800 euros ou plus", 0.36), ("Inconnu", 0.04)):
                    qf_rows.append([f"{year}-12", code, band, round5(f * share), round5(people * share)])
    write_csv(caf / "s_ben_com_f.csv", ["dtreffre", "numcomdo", "nomcom", "indfoy_ndur", "indnbp_ndur", "indfoy_rsa",
                                        "indmtt_rsa", "indfoy_ppa", "indmtt_ppa", "indfoy_aah", "indfoy_af"], rows, "utf-8-sig")
    write_csv(caf / "rsa_s_type_com_f.csv", ["Date référence", "Numéro commune", "Nom commune", "Type RSA",
                                             "Nombre foyers RSA", "Nombre personnes RSA"], rsa_rows, "utf-8-sig")
    write_csv(caf / "ndur_s_qf_400_com_f.csv", ["dtreffre", "numcomdo", "qf_400", "indfoy_ndur", "indnbp_ndur"], qf_rows, "utf-8")


def write_onape() -> None:
    """ONAPE files with their placeholder rows (XX / XXX) that carry values."""
    onape = SAMPLE / "caf" / "onape"
    components = ["psu_col", "hors_psu_col", "prescol", "am_ind", "gad_ind", "eaje", "ind"]
    rates = {
        ("epci", "246200729"): [48.9, 20.1, 1.2, 0.8, 25.9, 0.9, 22.1, 26.8],
        ("epci", "246200364"): [55.0, 22.0, 1.0, 1.0, 30.0, 1.0, 24.0, 31.0],
        ("epci", "XX"): [60.1, 20.0, 2.0, 1.0, 36.1, 1.0, 23.0, 37.1],
        ("dep", "62"): [53.7, 18.2, 1.5, 1.2, 31.8, 1.0, 20.9, 32.8],
        ("dep", "59"): [55.2, 21.0, 1.1, 1.0, 31.1, 1.0, 23.1, 32.1],
        ("dep", "XXX"): [58.0, 20.0, 1.0, 1.0, 35.0, 1.0, 22.0, 36.0],
        ("com", "62160"): [45.2, 28.0, 2.0, 1.1, 13.6, 0.5, 31.1, 14.1],
        ("com", "62643"): [50.1, 12.0, 0.0, 0.5, 37.1, 0.5, 12.5, 37.6],
        ("com", "62758"): [62.3, 15.0, 1.0, 0.5, 45.3, 0.5, 16.5, 45.8],
    }
    places = {
        ("epci", "246200729"): [511, 30, 10, 1100, 20],
        ("epci", "XX"): [9000, 800, 200, 30000, 500],
        ("dep", "62"): [5200, 600, 250, 17000, 300],
        ("com", "62160"): [260, 10, 5, 300, 5],
    }
    for level, key in (("epci", "numepci"), ("dep", "numdep"), ("com", "numcom")):
        rows = [[code, 2018] + values for (lvl, code), values in rates.items() if lvl == level]
        write_csv(onape / f"txcouv_pe_{level}.csv", [key, "annee", f"txcouv_{level}"] + [f"txcouv_{c}_{level}" for c in components], rows, "utf-8")
        rows = [[code, 2018] + values + [sum(values)] for (lvl, code), values in places.items() if lvl == level]
        if level == "epci":  # the Axe 1 evaluation's cross-check of the inventory's places (illustrative)
            rows.append(["246200729", 2022, 525, 36, 10, 1080, 20, 1671])
        write_csv(onape / f"nbpla_pe_{level}.csv", [key, "annee"] + [f"pl_{c}_{level}" for c in components[:5]] + [f"tot_offre_{level}"], rows, "utf-8")


if __name__ == "__main__":
    main()
