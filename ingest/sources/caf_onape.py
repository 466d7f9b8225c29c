"""ONAPE childcare coverage (CAF open data): `txcouv_pe_{epci,com,dep}` (theoretical capacity:
places per 100 children under 3, may exceed 100) and `nbpla_pe_{epci,com,dep}` (places).
Keys `numepci` / `numcom` / `numdep` and `annee`; value columns end with the level
(`txcouv_epci`, `pl_psu_col_com`), stored without it. The placeholder rows `numepci = 'XX'`
and `numdep = 'XXX'` carry values but no territory: they are dropped and counted.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ingest.csvfile import LINE_COLUMN, map_columns, parse_counts, parse_numbers, read_text_table
from ingest.errors import ContractError
from ingest.geo import COMMUNE_CODE, known_departements, reject_duplicates
from ingest.quality import HEADERS_ATTR

FILE_NAME = re.compile(r"^(?P<measure>txcouv|nbpla)_pe_(?P<level>epci|com|dep)(?![a-z]).*\.csv$", re.IGNORECASE)
KEYS = {"epci": "numepci", "com": "numcom", "dep": "numdep"}
LEVELS = {"epci": "epci", "com": "commune", "dep": "departement"}
PLACEHOLDERS = {"XX", "XXX", "XXXXX", ""}


def match_file_name(path: Path) -> tuple[str, str] | None:
    match = FILE_NAME.match(path.name)
    return (match["measure"].lower(), match["level"].lower()) if match else None


def read_onape(path: Path, measure: str, level: str) -> pd.DataFrame:
    """Long frame: mesure, territoire_niveau, territoire_code, annee, variable, valeur,
    est_placeholder, ligne."""
    table = read_text_table(path, separators=";,")
    key = KEYS[level]
    columns = map_columns(table, [key, "annee"])
    frame = table.frame
    codes = frame[columns[key]].str.strip().str.upper()
    placeholder = codes.isin(PLACEHOLDERS)
    valid = {
        "epci": codes.str.fullmatch(r"\d{9}"),
        "com": codes.str.match(COMMUNE_CODE.pattern),
        "dep": codes.isin(known_departements()),
    }[level]
    bad = ~placeholder & ~valid
    if bad.any():
        first = bad.idxmax()
        raise ContractError.single(path, "code_territoire", f"code de territoire invalide « {codes[first]} »",
                                   line=int(frame.at[first, LINE_COLUMN]), column=columns[key])
    years = parse_counts(table, "annee", columns["annee"], allow_blank=False)
    keys = pd.DataFrame({"c": codes, "a": years})[~placeholder]
    reject_duplicates(table, keys, columns[key], "territoire présent deux fois pour la même année")
    suffix = f"_{level}"
    value_headers = [h for h in frame.columns if h.lower().endswith(suffix) and h.lower() != key]
    if not value_headers:
        raise ContractError.single(path, "colonne_obligatoire", f"aucune colonne de valeur en …{suffix}",
                                   line=table.header_line, column=f"…{suffix}")
    wide = pd.DataFrame({"territoire_code": codes, "annee": years.astype("int32"), "est_placeholder": placeholder,
                         "ligne": frame[LINE_COLUMN]})
    for header in value_headers:
        wide[header.lower()[: -len(suffix)]] = parse_numbers(table, header, non_negative=True)
    long = wide.melt(id_vars=["territoire_code", "annee", "est_placeholder", "ligne"], var_name="variable", value_name="valeur")
    long["mesure"] = measure
    long["territoire_niveau"] = LEVELS[level]
    long.attrs[HEADERS_ATTR] = {"valeur": f"…{suffix}"}
    return long[["mesure", "territoire_niveau", "territoire_code", "annee", "variable", "valeur", "est_placeholder", "ligne"]]
