"""Reading delimited text extracts the way CAF and INSEE publish them.

Encoding is UTF-8 (with or without BOM) or CP1252; the separator is `;` or `,`. Every value
is read as text: codes keep their leading zeros and readers convert counts themselves, so that
a bad value is reported with its line and column.
"""

from __future__ import annotations

import contextlib
import csv
import functools
import hashlib
import io
import re
import tempfile
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ingest.errors import ContractError

# What browsers and people add to a downloaded file's name: "RSACom2018 (1).csv",
# "v_commune_2023 - Copie.csv", "RSACom2018-v2.csv".
COPY_SUFFIX = r"(?:\s*\(\d+\)|[ _-][^.]*)?"
LINE_COLUMN = "_ligne"  # 1-based line of the row in its file (the header is line 1)


@dataclass(frozen=True)
class TextTable:
    path: Path
    encoding: str
    separator: str
    frame: pd.DataFrame  # all columns as str, original header spelling, plus LINE_COLUMN
    header_line: int = 1  # line of the header (blank lines may precede it)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# A UTF-8 encoded accented letter: two bytes, C2–DF then 80–BF (é is C3 A9).
UTF8_LETTER = re.compile(rb"[\xc2-\xdf][\x80-\xbf]")


def decode(raw: bytes) -> tuple[str, str]:
    """Return (text, encoding). CP1252 is the fallback of older CAF and municipal exports."""
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError:
        pass
    for encoding in ("cp1252", "latin-1"):
        try:
            return raw.decode(encoding), encoding
        except UnicodeDecodeError:
            continue
    return raw.decode("latin-1"), "latin-1"


def check_single_encoding(path: Path, raw: bytes) -> None:
    """Reject a file mixing UTF-8 and CP1252 lines (two exports pasted together): read
    either way, one part of its names would be garbled."""
    try:
        raw.decode("utf-8")
        return
    except UnicodeDecodeError as error:
        first_bad = error.start
    if UTF8_LETTER.search(raw):
        line = raw.count(b"\n", 0, first_bad) + 1
        raise ContractError.single(
            path, "encodage",
            "encodage mélangé : le fichier contient des lignes UTF-8 et des lignes CP1252/Latin-1 ; "
            "réenregistrez-le dans un seul encodage (UTF-8)",
            line=line,
        )


def sniff_separator(header_line: str, allowed: str = ";,") -> str:
    counts = {sep: header_line.count(sep) for sep in allowed}
    best = max(counts, key=counts.get)
    return best if counts[best] > 0 else ";"


def read_text_table(path: Path, separators: str = ";,") -> TextTable:
    """Read a delimited extract; every record must have as many fields as the header.

    A record with more or fewer fields than the header (a stray separator, a truncated
    line) is rejected with its line: read positionally, its values would land in the wrong
    columns or pass for secrecy blanks. Separators trailing the last column are tolerated.
    """
    text, encoding = checked_text(path)
    header_line = next((line for line in text.splitlines() if line.strip()), "")
    separator = sniff_separator(header_line, separators)
    rows, starts, last_line = _rows_and_lines(path, text, separator)
    non_blank = [i for i, row in enumerate(rows) if "".join(row).strip()]  # blank or separators only: skipped
    if not non_blank:
        raise ContractError.single(path, "fichier_vide", "aucune ligne de données après l'en-tête", line=last_line or 1)
    header_at = starts[non_blank[0]]
    header = [cell.strip() for cell in rows[non_blank[0]]]
    while header and header[-1] == "":
        header.pop()
    check_header(path, header, header_at)
    records = [rows[i] for i in non_blank[1:]]
    lines = [starts[i] for i in non_blank[1:]]
    if not records:
        raise ContractError.single(path, "fichier_vide", "aucune ligne de données après l'en-tête", line=last_line or 1)
    for index in [index for index, row in enumerate(records) if len(row) != len(header)]:
        records[index] = _fit_record(path, records[index], header, lines[index], separator)
    frame = pd.DataFrame(records, columns=header, dtype=str)
    # Line numbers as the user sees them in a text editor (blank lines counted).
    frame[LINE_COLUMN] = lines
    return TextTable(path=path, encoding=encoding, separator=separator, frame=frame, header_line=header_at)


def checked_text(path: Path) -> tuple[str, str]:
    """The text of a delimited file and its encoding, once the file is known to be text in one
    encoding (not empty, not a workbook, no NUL byte, not UTF-8 and CP1252 mixed)."""
    raw = path.read_bytes()
    if not raw.strip():
        raise ContractError.single(path, "fichier_vide", "le fichier est vide", line=1)
    if raw.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):  # xlsx (zip) or xls signature
        raise ContractError.single(
            path, "format_csv", "c'est un classeur Excel, pas un fichier CSV : exportez-le en CSV (séparateur ;)"
        )
    if (nul := raw.find(b"\x00", 0, 65536)) >= 0:
        raise ContractError.single(
            path, "fichier_binaire",
            "le fichier n'est pas un fichier texte (CSV) : il contient des octets nuls (fichier corrompu, "
            "binaire ou export « texte Unicode » UTF-16) ; exportez-le en CSV (UTF-8 ou Windows-1252)",
            line=raw.count(b"\n", 0, nul) + 1,
        )
    check_single_encoding(path, raw)
    return decode(raw)


@dataclass(frozen=True)
class PlainLayout:
    """A delimited text that DuckDB may read as it is: a header, then (if the reader's strict
    scan agrees) a record per line, no quote. `records` counts the lines after the header: a
    scan that returns fewer rows met a blank line, which DuckDB skips (see `plain_layout`)."""

    header: list[str]
    separator: str
    records: int
    encoding: str
    text: str  # decoded: DuckDB reads UTF-8 only, a CP1252 file is handed over re-encoded


def plain_layout(path: Path, separators: str = ";,") -> PlainLayout | None:
    """The layout of a file whose structure DuckDB can check record by record, or None (then
    read_text_table reads it, and names the line of anything wrong). Nearly every extract as
    published is plain: a national file is then read by DuckDB, not by Python.

    The reader's scan must be strict (a record with a field too many or too few fails it), and
    compare its row count with `records`; a record of separators only is its to send back."""
    text, encoding = checked_text(path)
    if '"' in text or text.count("\r") != text.count("\r\n"):
        return None
    body = text.removesuffix("\n")
    header_text = body.split("\n", 1)[0].removesuffix("\r")
    separator = sniff_separator(header_text, separators)
    header = [cell.strip() for cell in header_text.split(separator)]
    records = body.count("\n")
    if records < 1 or "" in header or len({name.lower() for name in header}) < len(header):
        return None
    return PlainLayout(header, separator, records, encoding, text)


def _rows_and_lines(path: Path, text: str, separator: str) -> tuple[list[list[str]], list[int] | range, int]:
    """Every record of the text (blank ones included), the line each starts on, and the
    number of lines read."""
    # strict: an unterminated quote is an error, not a field swallowing the rest of the file.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=separator, quotechar='"', strict=True)
    rows: list[list[str]] = []
    starts: list[int] = []
    record_start = 1  # first line of the record being read (a quoted field may span lines)
    try:
        if '"' not in text:  # no record spans lines: read in one call, a record per line
            rows = list(reader)
            return rows, range(1, len(rows) + 1), reader.line_num
        for row in reader:
            rows.append(row)
            starts.append(record_start)
            record_start = reader.line_num + 1
    except csv.Error as error:  # e.g. an unterminated quote running to the end of the file
        if '"' not in text:
            record_start = max(reader.line_num, 1)  # the line being read: a record per line
        if "field larger than field limit" in str(error):
            raise ContractError.single(
                path, "champ_trop_long",
                f"un champ dépasse {csv.field_size_limit():,} caractères".replace(",", "\u202f")
                + " dans l'enregistrement commençant à cette ligne (cellule collée par erreur ?)",
                line=record_start,
            ) from None
        raise ContractError.single(
            path, "structure_csv",
            f"guillemet non fermé ou mal placé à partir de cette ligne ({error})", line=record_start,
        ) from None
    return rows, starts, reader.line_num


def check_header(path: Path, header: list[str], line: int) -> None:
    seen: set[str] = set()
    for number, name in enumerate(header, start=1):
        if not name:
            raise ContractError.single(
                path, "structure_csv", f"en-tête vide à la position {number}", line=line
            )
        if name.lower() in seen:
            raise ContractError.single(
                path, "structure_csv", "colonne présente deux fois dans l'en-tête", line=line, column=name
            )
        seen.add(name.lower())


def _fit_record(path: Path, row: list[str], header: list[str], line: int, separator: str) -> list[str]:
    """Drop empty fields after the last column; reject any other field-count mismatch."""
    if len(row) > len(header) and not any(cell.strip() for cell in row[len(header):]):
        return row[: len(header)]
    raise ContractError.single(
        path,
        "structure_csv",
        f"{len(row)} champs au lieu de {len(header)} (séparateur « {separator} » en trop ou manquant "
        "dans la ligne)",
        line=line,
    )


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
            line=table.header_line,
            column=missing[0],
        )
    wanted = list(required) + [c for c in optional if c in by_lower]
    return {name: by_lower[name] for name in wanted}


# The cleaning of parse_counts in SQL: DuckDB runs it vectorised over a national file,
# where pandas' string methods loop in Python (44 % of the ingestion of the CAF files).
def count_sql(column: str, allow_blank: bool, plain_only: bool = False) -> tuple[str, str]:
    """(value, refused) expressions for a text column of counts, as parse_counts reads them.
    Plain digits, nearly every cell, are cast directly: the cleaning runs only on the others.

    `plain_only`: plain digits (or, when `allow_blank`, an empty cell or spaces: secrecy) and
    nothing else, every other cell refused. A national file's scan runs 5 times faster without
    the cleaning expressions (60 ms instead of 310 for a legacy file of 12 counts), even where
    no cell needs them: `scan_counts` tries it first."""
    quoted = '"' + column.replace('"', '""') + '"'
    if plain_only:
        plain = "[0-9]{1,15}| *" if allow_blank else "[0-9]{1,15}"
        return (f"try_cast({quoted} as bigint)",  # NULL for spaces
                f"coalesce(not regexp_full_match({quoted}, '{plain}'), {'false' if allow_blank else 'true'})")
    # A cell that reads back as itself once cast is plain digits (no sign, space or leading
    # zero): five times cheaper than a regular expression.
    plain = f"(length({quoted}) <= 15 and cast(try_cast({quoted} as ubigint) as varchar) = {quoted})"
    cleaned = (
        r"regexp_replace(replace(regexp_replace(replace(replace(coalesce(" + quoted + r", ''), chr(160), ''), "
        r"chr(8239), ''), '^\s+|\s+$', '', 'g'), ' ', ''), '(\d)[.,]0{1,2}$', '\1')"
    )
    value = (f"case when {plain} then cast({quoted} as bigint) "
             f"when {cleaned} <> '' and length({cleaned}) <= 15 then try_cast({cleaned} as bigint) end")
    refused = (
        f"case when {plain} then false else ({cleaned} <> '' and not regexp_full_match({cleaned}, '[0-9]+')) "
        f"or length({cleaned}) > 15{'' if allow_blank else f' or {cleaned} = {chr(39) * 2}'} end"
    )
    return value, refused


_CURSOR_LOCK = threading.Lock()


@functools.cache
def _parsing_database():
    """One in-memory DuckDB for the process: opening one costs 30 ms, a cursor on it almost
    nothing (a file of 15 count columns would spend half a second opening databases)."""
    import duckdb

    return duckdb.connect()


def parsing_cursor():
    """A cursor on the process's in-memory DuckDB, for work on one file's values."""
    with _CURSOR_LOCK:
        return _parsing_database().cursor()  # one per call: readers may run in several threads


def counts_in_sql(frame: pd.DataFrame, headers: list[str], allow_blank: bool) -> dict[str, pd.Series | None]:
    """The counts of text columns parsed by DuckDB in one scan: {header: counts}, None for a
    column where a cell is not valid (the pandas path then names the first one, its line and
    the rule)."""
    headers = list(dict.fromkeys(headers))
    if not headers:
        return {}
    parsed_columns, refusals = [], []
    for number, header in enumerate(headers):
        value, refused = count_sql(header, allow_blank)
        parsed_columns += [f"{value} as n{number}", f"{refused} as r{number}"]
        refusals.append(f"coalesce(bool_or(r{number}), false)")
    # Object arrays: DuckDB reads them as VARCHAR (NULL for a missing cell). Reading Python
    # strings is the slow part: they are read once, into a table both queries use.
    cells = pd.DataFrame({header: frame[header].to_numpy(dtype=object) for header in headers})
    parsed_table = f"counts_{uuid.uuid4().hex}"  # one in-memory database for every reader thread
    with parsing_cursor() as cursor:
        cursor.register("cells", cells)
        cursor.execute(f"create temp table {parsed_table} as select {', '.join(parsed_columns)} from cells")
        try:
            refused_columns = cursor.execute(f"select {', '.join(refusals)} from {parsed_table}").fetchall()[0]
            columns = cursor.execute(
                f"select {', '.join(f'n{number}' for number in range(len(headers)))} from {parsed_table}"
            ).fetchnumpy()
        finally:
            cursor.execute(f"drop table {parsed_table}")
    parsed: dict[str, pd.Series | None] = {}
    for number, header in enumerate(headers):
        n = columns[f"n{number}"]
        if refused_columns[number]:
            parsed[header] = None
            continue
        parsed[header] = pd.Series(nullable_integers(n), index=frame.index)
    return parsed


def nullable_integers(values: np.ndarray) -> pd.arrays.IntegerArray:
    """A column DuckDB fetched as numpy (masked where NULL) as pandas' nullable integers."""
    mask = np.ma.getmaskarray(values)
    data = (values.filled(0) if np.ma.isMaskedArray(values) else values).astype("int64")
    return pd.arrays.IntegerArray(data, mask.copy())


def scan_plain_file(path: Path, layout: PlainLayout, select: str) -> dict[str, np.ndarray] | None:
    """`select <select> from` the file's records as DuckDB reads them as they are: columns
    c0, c1, ... as text, in file order, after the header; strict, so that a record with a field
    too many or too few returns None (the Python reader then names its line)."""
    import duckdb

    csv_columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(layout.header))) + "}"
    utf8 = layout.encoding in ("utf-8", "utf-8-sig")  # DuckDB reads UTF-8: a CP1252 file goes through a copy
    with contextlib.nullcontext() if utf8 else tempfile.TemporaryDirectory() as tmp, parsing_cursor() as cursor:
        source = path
        if not utf8:
            source = Path(tmp) / "utf8.csv"
            source.write_text(layout.text, encoding="utf-8")
        cells = (f"read_csv(?, delim = ?, header = false, skip = 1, quote = '', escape = '', auto_detect = false, "
                 f"strict_mode = true, null_padding = false, columns = {csv_columns})")
        try:
            return cursor.execute(f"select {select} from {cells}", [str(source), layout.separator]).fetchnumpy()
        except duckdb.InvalidInputException:
            return None


def scan_counts(path: Path, layout: PlainLayout, select: Callable[[bool], str]) -> dict[str, np.ndarray] | None:
    """scan_plain_file of `select(plain_only)`, a select whose counts are `count_sql(...,
    plain_only)` and whose column `refuse` marks the rows refused: plain counts first, then,
    only when that refuses a row, again with the counts' cleaning. None as scan_plain_file."""
    result = scan_plain_file(path, layout, select(True))
    if result is not None and result["refuse"].any():
        result = scan_plain_file(path, layout, select(False))
    return result


def parse_count_columns(table: TextTable, columns: dict[str, str], allow_blank: bool) -> dict[str, pd.Series]:
    """parse_counts for several columns ({name: header}) at once, in one DuckDB scan; every bad
    column is reported together, so that one correction pass fixes the file."""
    parsed = counts_in_sql(table.frame, list(columns.values()), allow_blank)
    result, problems = {}, []
    for name, header in columns.items():
        if parsed[header] is not None:
            result[name] = parsed[header]
            continue
        try:
            result[name] = _counts_with_their_errors(table, header, allow_blank)
        except ContractError as error:
            problems.extend(error.violations)
    if problems:
        raise ContractError(sorted(problems, key=lambda v: v.line or 0))
    return result


def parse_counts(table: TextTable, column: str, header: str, allow_blank: bool) -> pd.Series:
    """Convert a text column of counts to nullable integers.

    Blank cells become NULL when `allow_blank` (CAF statistical secrecy), and are an error
    otherwise. Spaces used as thousands separators and a trailing ",0"/".0" are accepted.
    """
    return parse_count_columns(table, {column: header}, allow_blank)[column]


def _counts_with_their_errors(table: TextTable, header: str, allow_blank: bool) -> pd.Series:
    """The pandas reading of a column of counts: slower, but names the first bad cell."""
    text = (
        table.frame[header]
        .str.replace("\u00a0", "", regex=False)
        .str.replace("\u202f", "", regex=False)
        .str.strip()
    )
    # "12,0" or "12.00" are spreadsheet artefacts; "1.000" is a thousands separator and is
    # refused rather than read as 1.
    compact = text.str.replace(" ", "", regex=False).str.replace(r"(?<=\d)[.,]0{1,2}$", "", regex=True)
    is_blank = compact == ""
    is_integer = compact.str.fullmatch(r"\d+")
    bad = ~(is_integer | is_blank) if allow_blank else ~is_integer
    if bad.any():
        first = bad.idxmax()
        value = table.frame.at[first, header]
        if not value.strip():
            rule, message = "valeur_obligatoire", "valeur vide dans une colonne obligatoire"
        elif compact[first].startswith("-") and compact[first][1:].isdigit():
            rule, message = "comptage_positif", f"comptage négatif « {value} »"
        else:
            rule, message = "comptage_entier", f"valeur non numérique « {value} » dans une colonne de comptage"
        n_bad = int(bad.sum())
        if n_bad > 1:
            message += f" ({n_bad} lignes concernées)"
        raise ContractError.single(
            table.path, rule, message, line=int(table.frame.at[first, LINE_COLUMN]), column=header
        )
    # More digits than any count has: refused here, before it overflows a 64-bit integer.
    huge = is_integer & (compact.str.len() > 15)
    if huge.any():
        first = huge.idxmax()
        raise ContractError.single(
            table.path, "comptage_invraisemblable", f"nombre trop grand pour un comptage « {table.frame.at[first, header]} »",
            line=int(table.frame.at[first, LINE_COLUMN]), column=header,
        )
    values = pd.to_numeric(compact.where(~is_blank), errors="raise")
    return values.astype("Int64")


def distinct_texts(column: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """For each row, the position of its text among the column's distinct texts, and those
    texts: a column repeats few values (counts rounded to 5, one reference date a file), so
    pandas' string methods, a Python loop, run on the distinct texts only."""
    codes, distinct = pd.factorize(column, use_na_sentinel=False)
    return codes, pd.Series(distinct, dtype=column.dtype, name=column.name)


def extract_per_distinct(column: pd.Series, pattern: re.Pattern) -> pd.DataFrame:
    """`column.str.extract(pattern)`, run on the column's distinct texts and spread back to its
    rows: a melted frame repeats a few headers on every row (the census' 245,000 rows: 0.6 s
    of its reading, 0.01 s on its headers)."""
    codes, distinct = distinct_texts(column)
    return distinct.str.extract(pattern).take(codes).set_axis(column.index)


def first_row_where(codes: np.ndarray, distinct_mask: pd.Series) -> int:
    """The position of the first row (file order) whose distinct text is marked."""
    return int(np.flatnonzero(distinct_mask.to_numpy(dtype=bool)[codes])[0])


def parse_numbers(
    table: TextTable, header: str, allow_blank: bool = True, non_negative: bool = False
) -> pd.Series:
    """Convert a text column of decimal numbers (`,` or `.` as decimal mark) to floats.

    Census counts are weighted estimates (not integers); rates may exceed 100. With
    `non_negative`, a negative value is rejected here, naming the column as the file spells
    it (before a long format or a sum of IRIS hides it).
    """
    column = table.frame[header]
    codes, distinct = distinct_texts(column)
    text = distinct.str.replace("\u00a0", "", regex=False).str.replace(" ", "", regex=False).str.strip()
    text = text.str.replace(",", ".", regex=False)
    is_blank = text == ""
    is_number = text.str.fullmatch(r"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
    bad = ~(is_number | is_blank) if allow_blank else ~is_number
    if bad.any():
        first = first_row_where(codes, bad)
        value = column.iloc[first]
        raise ContractError.single(
            table.path,
            "nombre" if value.strip() else "valeur_obligatoire",
            f"valeur non numérique « {value} »" if value.strip() else "valeur vide dans une colonne obligatoire",
            line=int(table.frame[LINE_COLUMN].iloc[first]),
            column=header,
        )
    distinct_numbers = pd.to_numeric(text.where(~is_blank), errors="raise").astype("Float64")
    negative = (distinct_numbers < 0).fillna(False)
    if non_negative and negative.any():
        first = first_row_where(codes, negative)
        raise ContractError.single(
            table.path, "comptage_positif", f"comptage négatif « {column.iloc[first]} »",
            line=int(table.frame[LINE_COLUMN].iloc[first]), column=header,
        )
    return pd.Series(distinct_numbers.array.take(codes), index=column.index, name=header)
