"""Cells of our own registers (structures, permis de louer), read from CSV or .xlsx as text.

The spellings a spreadsheet produces are accepted (dates `AAAA-MM-JJ` or `JJ/MM/AAAA`,
booleans `true`/`false`, `oui`/`non`, `1`/`0`; closed lists without case or accents), and a
bad cell is refused naming its file, line, column and rule.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pandas as pd

from ingest.csvfile import LINE_COLUMN, TextTable, read_text_table
from ingest.errors import ContractError
from ingest.geo import check_known_departements, normalise_commune_codes
from ingest.workbook import is_workbook, read_sheet_table


def read_table(path: Path) -> TextTable:
    return read_sheet_table(path) if is_workbook(path) else read_text_table(path, separators=";,")


def code_of(text: str) -> str:
    """'Micro-crèche PAJE' -> 'MICRO_CRECHE_PAJE': the closed lists' spelling."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]+", "_", plain.upper()).strip("_")


def fail(table: TextTable, index, header: str, rule: str, message: str) -> ContractError:
    return ContractError.single(table.path, rule, message, line=int(table.frame.at[index, LINE_COLUMN]), column=header)


def text_column(table: TextTable, header: str | None) -> pd.Series:
    if header is None:
        return pd.Series(pd.NA, index=table.frame.index, dtype="string")
    values = table.frame[header].str.strip()
    return values.where(values != "").astype("string")


def required_text(table: TextTable, header: str) -> pd.Series:
    values = text_column(table, header)
    if values.isna().any():
        raise fail(table, values.isna().idxmax(), header, "valeur_obligatoire", "valeur vide dans une colonne obligatoire")
    return values


def closed_codes(table: TextTable, header: str, allowed, rule: str, what: str, allow_blank: bool = False,
                 aliases: dict[str, str] | None = None) -> pd.Series:
    """A column of a closed list, brought to its code spelling; an unknown value is rejected."""
    values = text_column(table, header)
    codes = values.map(code_of, na_action="ignore").replace(aliases or {}).astype("string")
    bad = (codes.isna() & (not allow_blank)) | (codes.notna() & ~codes.isin(list(allowed)))
    if bad.any():
        first = bad.idxmax()
        raw = table.frame.at[first, header].strip()
        if not raw:
            raise fail(table, first, header, "valeur_obligatoire", "valeur vide dans une colonne obligatoire")
        raise fail(table, first, header, rule, f"{what} inconnu « {raw} » (attendus : {', '.join(allowed)})")
    return codes


def code_lists(table: TextTable, header: str | None, allowed, rule: str, what: str, words: bool = False) -> pd.Series:
    """A cell holding several codes of a closed list (`ACF, REAAP`), stored as `ACF,REAAP`.
    With `words`, codes of one word each may also be separated by spaces (`QPV ZSP`)."""
    result = pd.Series(pd.NA, index=table.frame.index, dtype="string")
    if header is None:
        return result
    for index, cell in table.frame[header].items():
        items = [code_of(item) for item in re.split(r"[,;/+]|\s{2,}", cell) if item.strip()]
        if words:
            items = [part for item in items for part in item.split("_") if part]
        unknown = [item for item in items if item not in allowed]
        if unknown:
            raise fail(table, index, header, rule, f"{what} inconnu « {unknown[0]} » (attendus : {', '.join(allowed)})")
        if items:
            result[index] = ",".join(dict.fromkeys(items))
    return result


def as_days(frame: pd.DataFrame, columns) -> pd.DataFrame:
    """The date columns as calendar days, for the raw table's `date` columns."""
    return frame.assign(**{column: frame[column].dt.date for column in columns})


TRUE = {"true", "oui", "1", "vrai", "o", "x", "yes"}
FALSE = {"false", "non", "0", "faux", "n", "no"}


def booleans(table: TextTable, header: str | None) -> pd.Series:
    if header is None:
        return pd.Series(pd.NA, index=table.frame.index, dtype="boolean")
    text = table.frame[header].str.strip().str.lower().str.replace(r"[.,]0+$", "", regex=True)
    bad = (text != "") & ~text.isin(TRUE | FALSE)
    if bad.any():
        first = bad.idxmax()
        raise fail(table, first, header, "booleen",
                   f"valeur « {table.frame.at[first, header]} » : attendu true/false, oui/non ou 1/0")
    return text.map(lambda v: True if v in TRUE else (False if v in FALSE else pd.NA)).astype("boolean")


ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+)?$")
FRENCH_DATE = re.compile(r"^\d{1,2}/\d{1,2}/\d{4}$")


def dates(table: TextTable, header: str | None) -> pd.Series:
    """ISO (`2020-09-01`) or French (`01/09/2020`) dates; blank = unknown (NaT)."""
    if header is None:
        return pd.Series(pd.NaT, index=table.frame.index, dtype="datetime64[s]")
    text = table.frame[header].str.strip()
    iso = pd.to_datetime(text.where(text.str.match(ISO_DATE.pattern)).str[:10], format="%Y-%m-%d", errors="coerce")
    french = pd.to_datetime(text.where(text.str.match(FRENCH_DATE.pattern)), format="%d/%m/%Y", errors="coerce")
    parsed = iso.fillna(french)
    bad = (text != "") & parsed.isna()
    if bad.any():
        first = bad.idxmax()
        raise fail(table, first, header, "date",
                   f"date invalide « {table.frame.at[first, header]} » (attendu AAAA-MM-JJ ou JJ/MM/AAAA)")
    return parsed.astype("datetime64[s]")


def commune_codes(table: TextTable, header: str) -> pd.Series:
    codes = normalise_commune_codes(table, header)
    special = codes.isin({"XXXXX", "99999"})
    if special.any():
        raise fail(table, special.idxmax(), header, "code_commune", "code commune invalide (ligne sans commune réelle)")
    check_known_departements(table, codes, header)
    return codes.where(codes != "").astype("string")
