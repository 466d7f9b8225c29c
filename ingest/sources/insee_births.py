"""INSEE births by commune of residence, `base_naissances_YYYY.csv` (`;`): CODGEO and one
`NAISD{yy}` column per year. Paris, Lyon and Marseille appear both as communes and as
arrondissements: the arrondissement rows are dropped when their commune is present.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ingest.csvfile import LINE_COLUMN, extract_per_distinct, map_columns, parse_numbers, read_text_table
from ingest.errors import ContractError
from ingest.geo import check_known_departements, normalise_commune_codes, reject_duplicates
from ingest.quality import HEADERS_ATTR
from ingest.sources.insee_census import census_year

FILE_NAME = re.compile(r"^base_naissances.*\.csv$", re.IGNORECASE)
BIRTHS_COLUMN = re.compile(r"^naisd(?P<yy>\d\d)$", re.IGNORECASE)
ARRONDISSEMENTS = {
    "75056": [f"751{n:02d}" for n in range(1, 21)],
    "13055": [f"132{n:02d}" for n in range(1, 17)],
    "69123": [f"6938{n}" for n in range(1, 10)],
}


def match_file_name(path: Path) -> bool:
    return bool(FILE_NAME.match(path.name))


def looks_like(header: set[str]) -> bool:
    return "codgeo" in header and any(BIRTHS_COLUMN.match(c) for c in header)


def read_births(path: Path) -> pd.DataFrame:
    """Long frame: code_commune, annee, naissances, ligne."""
    table = read_text_table(path, separators=";,")
    columns = map_columns(table, ["codgeo"])
    births_columns = [h for h in table.frame.columns if BIRTHS_COLUMN.match(h)]
    if not births_columns:
        raise ContractError.single(path, "colonne_obligatoire", "aucune colonne NAISD{aa} (par exemple NAISD18)",
                                   line=table.header_line, column="NAISD{aa}")
    codes = normalise_commune_codes(table, columns["codgeo"])
    check_known_departements(table, codes, columns["codgeo"])
    reject_duplicates(table, codes.to_frame(), columns["codgeo"], "commune présente deux fois")
    wide = pd.DataFrame({"code_commune": codes, "ligne": table.frame[LINE_COLUMN]})
    for header in births_columns:
        wide[header] = parse_numbers(table, header, non_negative=True)
    present = set(codes)
    double_counted = {a for commune, arrondissements in ARRONDISSEMENTS.items() if commune in present for a in arrondissements}
    wide = wide[~wide["code_commune"].isin(double_counted)]
    long = wide.melt(id_vars=["code_commune", "ligne"], var_name="colonne", value_name="naissances")
    long["annee"] = census_year(extract_per_distinct(long["colonne"], BIRTHS_COLUMN)["yy"])
    long["naissances"] = long["naissances"].astype("Float64")
    result = long[["code_commune", "annee", "naissances", "ligne"]]
    result.attrs[HEADERS_ATTR] = {"code_commune": columns["codgeo"], "annee": "NAISD{aa}", "naissances": "NAISD{aa}"}
    return result
