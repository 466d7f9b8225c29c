"""INSEE populations légales, `donnees_communes.csv` (`;`).

Two header variants are accepted:
- `REG;Région;DEP;CODARR;CODCAN;CODCOM;COM;Commune;PMUN;PCAP;PTOT` (COM is the 5-character code);
- `CODREG;REG;CODDEP;CODARR;CODCAN;CODCOM;COM;PMUN;PCAP;PTOT` (COM is the commune *name*).
The commune code is DEP + CODCOM (97x + CODCOM for overseas), or COM when it holds a code.
The reference year is not in the file: it must be in the file name or a parent folder
(`2016/donnees_communes.csv`, `donnees_communes_2016.csv`).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from ingest.csvfile import (
    LINE_COLUMN,
    PlainLayout,
    TextTable,
    count_sql,
    map_columns,
    nullable_integers,
    parse_counts,
    plain_layout,
    read_text_table,
    scan_counts,
)
from ingest.errors import ContractError
from ingest.geo import COMMUNE_CODE, reject_duplicates

FILE_NAME = re.compile(r"^donnees_communes.*\.csv$", re.IGNORECASE)
YEAR = re.compile(r"(?<!\d)((?:19|20)\d\d)(?!\d)")


def match_file_name(path: Path) -> bool:
    return bool(FILE_NAME.match(path.name))


def reference_year(path: Path, landing_root: Path | None = None) -> int:
    """The year in the file name, else in the nearest parent folder below the landing root."""
    folders = []
    for parent in path.parents:
        if landing_root is not None and parent == landing_root:
            break
        folders.append(parent.name)
    candidates = [path.stem] + folders
    for name in candidates:
        years = set(YEAR.findall(name))
        if len(years) > 1:
            raise ContractError.single(
                path, "annee_reference", f"plusieurs années possibles dans « {name} » : {sorted(years)}"
            )
        if years:
            return int(years.pop())
    raise ContractError.single(
        path,
        "annee_reference",
        "année de référence introuvable : placez le fichier dans un dossier nommé par l'année "
        "(par exemple 2021/donnees_communes.csv) ou ajoutez l'année au nom du fichier",
    )


def header_columns(table: TextTable) -> tuple[dict[str, str], str, str | None, str | None]:
    """The file's columns by role, then the headers of the département, the name and the
    column that may hold the commune code (the newer variant's COM)."""
    headers = {c.lower() for c in table.frame.columns}
    if "coddep" in headers:  # older variant: CODDEP holds the code, COM the name
        columns = map_columns(table, ["coddep", "codcom", "com", "pmun", "pcap", "ptot"])
        return columns, columns["coddep"], columns["com"], None
    columns = map_columns(table, ["dep", "codcom", "pmun", "pcap", "ptot"], optional=["com", "commune"])
    return columns, columns["dep"], columns.get("commune", columns.get("com")), columns.get("com")


def read_populations(path: Path, year: int) -> pd.DataFrame:
    """Columns: annee, code_commune, libelle_commune, pmun, pcap, ptot, ligne.

    DuckDB reads a plain file and checks it in one query (`read_plain_populations`); a file it
    finds anything wrong or unusual in is read again here, so that each problem is named with
    its line and column."""
    layout = plain_layout(path)
    if layout is not None and (frame := read_plain_populations(path, layout, year)) is not None:
        return frame
    table = read_text_table(path, separators=";,")
    columns, dep, name, explicit_code = header_columns(table)
    frame = table.frame
    # Plain Python over the values: pandas' string methods cost ten times as much per cell
    # (0.4 s of each national file's 0.85 s).
    dep_codes = [str(value).strip().upper() for value in frame[dep].tolist()]
    commune_parts = [str(value).strip() for value in frame[columns["codcom"]].tolist()]
    # Overseas: DEP 971 + CODCOM 01 (or 1, once a spreadsheet dropped the zero) -> 97101;
    # elsewhere DEP 62 + CODCOM 160 -> 62160, DEP 01 + CODCOM 4 -> 01004.
    codes = [
        dep_code + part.zfill(2) if len(dep_code) == 3 and len(part) <= 2 else dep_code[:2] + part.zfill(3)
        for dep_code, part in zip(dep_codes, commune_parts, strict=True)
    ]
    if explicit_code is not None:
        explicit = [str(value).strip().upper() for value in frame[explicit_code].tolist()]
        codes = [given if COMMUNE_CODE.match(given) else code for given, code in zip(explicit, codes, strict=True)]
    invalid = [COMMUNE_CODE.match(code) is None for code in codes]
    if any(invalid):
        first = frame.index[invalid.index(True)]
        raise ContractError.single(
            path,
            "code_commune",
            f"code commune impossible à former à partir de DEP « {frame.at[first, dep]} » "
            f"et CODCOM « {frame.at[first, columns['codcom']]} »",
            line=int(frame.at[first, LINE_COLUMN]),
            column=columns["codcom"],
        )
    codes = pd.Series(codes, index=frame.index, dtype=frame[columns["codcom"]].dtype)
    reject_duplicates(table, codes.to_frame(), columns["codcom"], "commune présente deux fois")
    result = pd.DataFrame(
        {
            "annee": year,
            "code_commune": codes,
            "libelle_commune": frame[name].str.strip() if name else None,
            "pmun": parse_counts(table, "pmun", columns["pmun"], allow_blank=False),
            "pcap": parse_counts(table, "pcap", columns["pcap"], allow_blank=False),
            "ptot": parse_counts(table, "ptot", columns["ptot"], allow_blank=False),
            "ligne": frame[LINE_COLUMN],
        }
    )
    result["annee"] = result["annee"].astype("int32")
    return result


def read_plain_populations(path: Path, layout: PlainLayout, year: int) -> pd.DataFrame | None:
    """read_populations' frame, read and checked by DuckDB in one pass; None when any cell
    breaks a rule or looks unusual (a CODCOM that is not 1 to 3 digits, a code that is not a
    commune's, a duplicate), so that the Python reader names it."""
    header_table = TextTable(path, layout.encoding, layout.separator, pd.DataFrame(columns=layout.header))
    columns, dep, name, explicit_code = header_columns(header_table)
    position = {header: f"c{index}" for index, header in enumerate(layout.header)}
    dep_code = f"upper(trim(coalesce({position[dep]}, '')))"
    part = f"trim(coalesce({position[columns['codcom']]}, ''))"
    # As the Python reader: DEP 971 + CODCOM 01 (or 1) -> 97101; DEP 62 + CODCOM 160 -> 62160.
    built = (f"case when length({dep_code}) = 3 and length({part}) <= 2 then {dep_code} || lpad({part}, 2, '0') "
             f"else left({dep_code}, 2) || lpad({part}, 3, '0') end")
    code = built
    if explicit_code is not None:
        given = f"upper(trim(coalesce({position[explicit_code]}, '')))"
        code = f"case when regexp_full_match({given}, '{COMMUNE_CODE.pattern}') then {given} else {built} end"
    label = f"coalesce({position[name]}, '')" if name else "''"

    def select(plain_only: bool) -> str:
        counts = [count_sql(position[columns[count]], allow_blank=False, plain_only=plain_only)
                  for count in ("pmun", "pcap", "ptot")]
        refused = " or ".join([
            *(f"({refused})" for _value, refused in counts),
            # lpad cuts a longer CODCOM, where Python's zfill keeps it: the Python reader decides.
            f"not regexp_full_match({part}, '[0-9]{{1,3}}')",
            f"not regexp_full_match({code}, '{COMMUNE_CODE.pattern}')",
        ])
        return f"""
            {code} as code_commune, {label} as libelle_commune, coalesce({refused}, true) as refuse
            {"".join(f", {value} as n{i}" for i, (value, _refused) in enumerate(counts))}
        """
    result = scan_counts(path, layout, select)
    if result is None:
        return None
    codes = pd.Series(result["code_commune"], dtype="str")
    if len(codes) != layout.records or result["refuse"].any() or codes.duplicated().any():
        return None
    frame = pd.DataFrame({
        "annee": np.full(layout.records, year, dtype="int32"),
        "code_commune": codes,
        "libelle_commune": (pd.Series([text.strip() for text in result["libelle_commune"]], dtype="str")
                            if name else None),
    })
    for i, count in enumerate(("pmun", "pcap", "ptot")):
        frame[count] = nullable_integers(result[f"n{i}"])
    frame["ligne"] = np.arange(2, layout.records + 2, dtype="int64")  # the header is line 1, no blank line
    return frame
