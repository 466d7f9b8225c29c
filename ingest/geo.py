"""French commune codes (code officiel géographique) and the special rows of CAF files."""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ingest.csvfile import LINE_COLUMN, TextTable
from ingest.errors import ContractError

COMMUNE_CODE = re.compile(r"^(?:\d{5}|2[AB]\d{3})$")
# Rows that are not a commune: unknown commune, abroad, not located.
SPECIAL_CODES = {"XXXXX", "99999", ""}


def departement_of(code: str) -> str:
    """Département of a commune code: 2 characters, 3 for overseas (97x)."""
    return code[:3] if code.startswith("97") else code[:2]


def normalise_commune_codes(table: TextTable, header: str) -> pd.Series:
    """Clean a column of commune codes and reject anything that is not one.

    A 4-digit code lost its leading zero in a spreadsheet: it is padded back.
    Special rows (XXXXX, 99999, empty) are kept as they are; callers flag them.
    """
    # Plain Python over the values: pandas' string methods cost ten times as much per cell.
    cleaned = [str(code).strip().upper() for code in table.frame[header].tolist()]
    cleaned = ["0" + code if len(code) == 4 and code.isascii() and code.isdigit() else code for code in cleaned]
    codes = pd.Series(cleaned, index=table.frame.index, dtype=table.frame[header].dtype)
    valid = [code in SPECIAL_CODES or COMMUNE_CODE.match(code) is not None for code in cleaned]
    if not all(valid):
        first = table.frame.index[valid.index(False)]
        raise ContractError.single(
            table.path,
            "code_commune",
            f"code commune invalide « {table.frame.at[first, header]} » "
            "(attendu : 5 caractères, par exemple 62160 ou 2A004)",
            line=int(table.frame.at[first, LINE_COLUMN]),
            column=header,
        )
    return codes


def reject_duplicates(table: TextTable, keys: pd.DataFrame, header: str, what: str) -> None:
    """Reject a file holding the same key twice, naming the line of the second occurrence."""
    duplicated = keys.duplicated(keep="first")
    if duplicated.any():
        first = duplicated.idxmax()
        key = " / ".join(str(v) for v in keys.loc[first].tolist())
        raise ContractError.single(
            table.path,
            "cle_unique",
            f"{what} en double : {key}",
            line=int(table.frame.at[first, LINE_COLUMN]),
            column=header,
        )


@lru_cache(maxsize=1)
def known_departements() -> frozenset[str]:
    path = Path(__file__).resolve().parent / "reference" / "departements.csv"
    with path.open(encoding="utf-8") as handle:
        return frozenset(row["dep_code"] for row in csv.DictReader(handle))


# A code DuckDB may accept as it is (after trim and upper): 5 characters, a 4-digit code
# whose leading zero a spreadsheet dropped, or a special row. Anything else, Python judges.
PLAIN_CODE = r"^(?:[0-9]{4,5}|2[AB][0-9]{3}|XXXXX|99999|)$"


def commune_code_sql(column: str) -> tuple[str, str, str]:
    """(code, is_special, refused) SQL expressions for a text column of commune codes read by
    DuckDB, as normalise_commune_codes and check_known_departements read them; `refused` when
    the code is not plainly one (the Python reader then judges it) or its département does not
    exist."""
    given = f"upper(trim(coalesce({column}, '')))"
    code = f"case when length({given}) = 4 then '0' || {given} else {given} end"
    specials = ", ".join("'" + special_code + "'" for special_code in sorted(SPECIAL_CODES))
    special = f"({given} in ({specials}))"
    departement = f"case when {code} like '97%' then left({code}, 3) else left({code}, 2) end"
    known = ", ".join(f"'{d}'" for d in sorted(known_departements()))
    refused = f"(not regexp_full_match({given}, '{PLAIN_CODE}') or (not {special} and {departement} not in ({known})))"
    return code, special, refused


def check_known_departements(table: TextTable, codes: pd.Series, header: str) -> None:
    """Reject a well-formed code whose département does not exist (e.g. 96001, 00123)."""
    known = known_departements()
    unknown = [code not in SPECIAL_CODES and departement_of(code) not in known for code in codes.tolist()]
    if any(unknown):
        first = codes.index[unknown.index(True)]
        raise ContractError.single(
            table.path,
            "code_commune_inconnu",
            f"code commune inconnu « {codes[first]} » : le département {departement_of(codes[first])} n'existe pas",
            line=int(table.frame.at[first, LINE_COLUMN]),
            column=header,
        )
