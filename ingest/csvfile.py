"""Reading delimited text extracts the way CAF and INSEE publish them.

Encoding is UTF-8 (with or without BOM) or CP1252; the separator is `;` or `,`. Every value
is read as text: codes keep their leading zeros and readers convert counts themselves, so that
a bad value is reported with its line and column.
"""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ingest.errors import ContractError

LINE_COLUMN = "_ligne"  # 1-based line of the row in its file (the header is line 1)


@dataclass(frozen=True)
class TextTable:
    path: Path
    encoding: str
    separator: str
    frame: pd.DataFrame  # all columns as str, original header spelling, plus LINE_COLUMN


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def decode(raw: bytes) -> tuple[str, str]:
    """Return (text, encoding). CP1252 is the fallback of older CAF and municipal exports."""
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


def sniff_separator(header_line: str, allowed: str = ";,") -> str:
    counts = {sep: header_line.count(sep) for sep in allowed}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ";"


def read_text_table(path: Path, separators: str = ";,") -> TextTable:
    raw = path.read_bytes()
    if not raw.strip():
        raise ContractError.single(path, "fichier_vide", "le fichier est vide", line=1)
    text, encoding = decode(raw)
    header_line = text.split("\n", 1)[0]
    separator = sniff_separator(header_line, separators)
    frame = pd.read_csv(
        io.StringIO(text),
        sep=separator,
        dtype=str,
        keep_default_na=False,
        skip_blank_lines=True,
        quoting=csv.QUOTE_MINIMAL,
        engine="c",
    )
    frame.columns = [str(c).strip() for c in frame.columns]
    # Line numbers as the user sees them in a text editor (blank lines are skipped by pandas,
    # real extracts have none inside the table).
    frame[LINE_COLUMN] = range(2, len(frame) + 2)
    return TextTable(path=path, encoding=encoding, separator=separator, frame=frame)


def map_columns(
    table: TextTable,
    required: list[str],
    optional: list[str] = (),
    aliases: dict[str, str] | None = None,
) -> dict[str, str]:
    """Match the file's header to canonical lower-case names, case-insensitively.

    Returns {canonical name: header as spelled in the file}. A missing required column
    rejects the file, naming the column and line 1 (the header).
    """
    by_lower: dict[str, str] = {}
    for header in table.frame.columns:
        if header != LINE_COLUMN:
            by_lower.setdefault(header.strip().lower(), header)
    # An older spelling stands for a canonical name only when the canonical one is absent.
    for old, canonical in (aliases or {}).items():
        if canonical not in by_lower and old.lower() in by_lower:
            by_lower[canonical] = by_lower.pop(old.lower())
    missing = [c for c in required if c not in by_lower]
    if missing:
        raise ContractError.single(
            table.path,
            "colonne_obligatoire",
            f"colonne obligatoire absente : {', '.join(missing)} "
            f"(colonnes lues : {', '.join(c for c in table.frame.columns if c != LINE_COLUMN)})",
            line=1,
            column=missing[0],
        )
    wanted = list(required) + [c for c in optional if c in by_lower]
    return {name: by_lower[name] for name in wanted}


def parse_counts(table: TextTable, column: str, header: str, allow_blank: bool) -> pd.Series:
    """Convert a text column of counts to nullable integers.

    Blank cells become NULL when `allow_blank` (CAF statistical secrecy), and are an error
    otherwise. Spaces used as thousands separators and a trailing ",0"/".0" are accepted.
    """
    text = (
        table.frame[header]
        .str.replace("\u00a0", "", regex=False)
        .str.replace("\u202f", "", regex=False)
        .str.strip()
    )
    compact = text.str.replace(" ", "", regex=False).str.replace(r"[.,]0+$", "", regex=True)
    is_blank = compact == ""
    is_integer = compact.str.fullmatch(r"\d+")
    bad = ~(is_integer | is_blank) if allow_blank else ~is_integer
    if bad.any():
        first = bad.idxmax()
        value = table.frame.at[first, header]
        rule = "comptage_entier" if value.strip() else "valeur_obligatoire"
        message = (
            f"valeur non numérique « {value} » dans une colonne de comptage"
            if value.strip()
            else "valeur vide dans une colonne obligatoire"
        )
        n_bad = int(bad.sum())
        if n_bad > 1:
            message += f" ({n_bad} lignes concernées)"
        raise ContractError.single(
            table.path, rule, message, line=int(table.frame.at[first, LINE_COLUMN]), column=header
        )
    values = pd.to_numeric(compact.where(~is_blank), errors="raise")
    return values.astype("Int64")


def parse_numbers(table: TextTable, header: str, allow_blank: bool = True) -> pd.Series:
    """Convert a text column of decimal numbers (`,` or `.` as decimal mark) to floats.

    Census counts are weighted estimates (not integers); rates may exceed 100.
    """
    text = table.frame[header].str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False).str.strip()
    text = text.str.replace(",", ".", regex=False)
    is_blank = text == ""
    is_number = text.str.fullmatch(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
    bad = ~(is_number | is_blank) if allow_blank else ~is_number
    if bad.any():
        first = bad.idxmax()
        value = table.frame.at[first, header]
        raise ContractError.single(
            table.path,
            "nombre" if value.strip() else "valeur_obligatoire",
            f"valeur non numérique « {value} »" if value.strip() else "valeur vide dans une colonne obligatoire",
            line=int(table.frame.at[first, LINE_COLUMN]),
            column=header,
        )
    return pd.to_numeric(text.where(~is_blank), errors="raise").astype("Float64")
