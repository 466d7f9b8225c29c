"""INSEE census, population by age (`base-cc-evol-struct-pop-YYYY`, commune edition, key
CODGEO; or `base-ic-evol-struct-pop-YYYY`, IRIS edition, key IRIS with the commune in COM).

Variables are prefixed with the census year, `P21_POP0610`: the prefix is read from the
header, never hard-coded, and a file may hold several census years (P21_ and P15_). Every
`P{yy}_POP…` column is kept; IRIS rows are summed to their commune. Values are weighted
estimates (decimals).
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ingest.csvfile import LINE_COLUMN, extract_per_distinct, map_columns, parse_numbers, read_text_table
from ingest.errors import ContractError
from ingest.geo import check_known_departements, normalise_commune_codes, reject_duplicates
from ingest.quality import HEADERS_ATTR

FILE_NAME = re.compile(r"^base-(?:cc|ic)-evol-struct-pop-(?:19|20)\d\d.*\.csv$", re.IGNORECASE)
# The variables the warehouse uses (every P{yy}_POP… column is loaded, these are staged).
VARIABLES = ["pop", "pop0002", "pop0305", "pop0610", "pop1117", "pop1824", "pop0014", "pop1529",
             "pop3044", "pop4559", "pop6074", "pop7589", "pop90p", "pop0019", "pop60p", "pop65p"]
POPULATION_COLUMN = re.compile(r"^p(?P<yy>\d\d)_(?P<variable>pop[0-9a-z]*)$", re.IGNORECASE)


def match_file_name(path: Path) -> bool:
    return bool(FILE_NAME.match(path.name))


def looks_like(header: set[str]) -> bool:
    return ("codgeo" in header or {"iris", "com"} <= header) and any(POPULATION_COLUMN.match(c) for c in header)


def census_year(two_digits: pd.Series) -> pd.Series:
    """`P21_` / `NAISD21` -> 2021; `P99_` -> 1999 (INSEE's two-digit years)."""
    yy = two_digits.astype(int)
    return (2000 + yy).where(yy < 80, 1900 + yy).astype("int32")


def check_parts_within_total(table, wide: pd.DataFrame, population_columns: list[str]) -> None:
    """An age group never exceeds the population of its census year on the same row (a
    corrupt cell does): checked here, on the file's own columns, before the long format."""
    matches = {h: POPULATION_COLUMN.match(h) for h in population_columns}
    totals = {m["yy"]: h for h, m in matches.items() if m["variable"].lower() == "pop"}
    for header, match in matches.items():
        total = totals.get(match["yy"])
        if total is None or header == total:
            continue
        above = (wide[header] > wide[total] + 0.5).fillna(False)  # weighted estimates: rounding slack
        if above.any():
            first = above.idxmax()
            raise ContractError.single(
                table.path, "partie_inferieure_au_total",
                f"{header} ({wide.at[first, header]:g}) supérieur à {total} ({wide.at[first, total]:g}) sur la même ligne",
                line=int(wide.at[first, "ligne"]), column=header,
            )


def read_census_ages(path: Path) -> pd.DataFrame:
    """Long frame: code_commune, annee, variable (pop, pop0610, …), valeur, edition, ligne.

    For the IRIS edition, `ligne` is the first line of the commune's IRIS.
    """
    table = read_text_table(path, separators=";,")
    headers = {h.lower(): h for h in table.frame.columns}
    iris_edition = "iris" in headers and "codgeo" not in headers
    columns = map_columns(table, ["iris", "com"] if iris_edition else ["codgeo"])
    population_columns = [h for h in table.frame.columns if POPULATION_COLUMN.match(h)]
    if not population_columns:
        raise ContractError.single(
            path, "colonne_obligatoire", "aucune colonne de population P{aa}_POP… (par exemple P21_POP)",
            line=table.header_line, column="P{aa}_POP",
        )
    code_header = columns["com"] if iris_edition else columns["codgeo"]
    codes = normalise_commune_codes(table, code_header)
    check_known_departements(table, codes, code_header)
    key_header = columns["iris"] if iris_edition else code_header
    keys = table.frame[key_header].str.strip().to_frame() if iris_edition else codes.to_frame()
    reject_duplicates(table, keys, key_header, "IRIS présent deux fois" if iris_edition else "commune présente deux fois")
    wide = pd.DataFrame({"code_commune": codes, "ligne": table.frame[LINE_COLUMN]})
    for header in population_columns:
        wide[header] = parse_numbers(table, header, non_negative=True)  # each IRIS, before the sum
    check_parts_within_total(table, wide, population_columns)
    if iris_edition:
        wide = wide.groupby("code_commune", as_index=False).agg(
            {"ligne": "min", **{h: lambda s: s.sum(min_count=1) for h in population_columns}}
        )
    long = wide.melt(id_vars=["code_commune", "ligne"], var_name="colonne", value_name="valeur")
    parts = extract_per_distinct(long["colonne"], POPULATION_COLUMN)
    long["annee"] = census_year(parts["yy"])
    long["variable"] = parts["variable"].str.lower()
    long["edition"] = "iris" if iris_edition else "commune"
    long["valeur"] = long["valeur"].astype("Float64")
    result = long[["code_commune", "annee", "variable", "valeur", "edition", "ligne"]]
    # Quality rules on the long frame name the file's columns.
    result.attrs[HEADERS_ATTR] = {"code_commune": code_header, "annee": "P{aa}_…", "valeur": "P{aa}_…"}
    return result
