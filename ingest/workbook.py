"""Reading the first sheet of an Excel workbook (.xlsx) as a table of text, like a CSV.

Our own registers (structures, activity, funding) are kept in spreadsheets and may be
dropped as .xlsx: the sheet becomes a `TextTable` so that one reader parses both formats and
reports a bad cell with the same words. Cells are turned into the text a CSV export would
hold: dates as `AAAA-MM-JJ`, whole numbers without `.0`, booleans as `true`/`false`.
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pandas as pd

from ingest.csvfile import LINE_COLUMN, TextTable, check_header
from ingest.errors import ContractError

XLSX_SUFFIXES = {".xlsx", ".xlsm"}


def is_workbook(path: Path) -> bool:
    return path.suffix.lower() in XLSX_SUFFIXES


def cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def open_workbook(path: Path, advice: str):
    """The workbook, read by calamine (Rust: the 35,000 rows of INSEE's EPCI composition in
    0.5 s, where openpyxl took 9 s), or a French error for a broken file ending with `advice`."""
    from python_calamine import CalamineWorkbook

    try:
        return CalamineWorkbook.from_path(str(path))
    except Exception as error:  # not a zip, truncated download, an .xls renamed .xlsx...
        raise ContractError.single(
            path, "structure_xlsx", f"classeur Excel illisible ({type(error).__name__}) ; {advice}",
        ) from None


def rows_of(sheet, limit: int | None = None) -> list[list[object]]:
    """The rows of a calamine sheet from its cell A1, so that a row's index + 1 is its number in
    the sheet (empty cells are ""; numbers come as float: see cell_text)."""
    return sheet.to_python(skip_empty_area=False, nrows=limit)


def sheet_rows(path: Path, limit: int | None = None) -> list[list[object]]:
    """Rows of the first sheet (at most `limit`), or a French error for a broken workbook."""
    workbook = open_workbook(path, "enregistrez-le à nouveau au format .xlsx ou en CSV")
    try:
        return rows_of(workbook.get_sheet_by_index(0), limit)
    finally:
        workbook.close()


def header_of_workbook(path: Path) -> list[str]:
    """The first non-blank row of the first sheet, in lower case (for recognition by header)."""
    try:
        rows = sheet_rows(path, limit=20)
    except ContractError:
        return []
    for row in rows:
        cells = [cell_text(c) for c in row]
        if any(cells):
            return [c.lower() for c in cells]
    return []


def read_sheet_table(path: Path) -> TextTable:
    """The first sheet as a TextTable; line numbers are the sheet's row numbers."""
    header: list[str] | None = None
    header_at = 1
    records: list[list[str]] = []
    lines: list[int] = []
    for number, row in enumerate(sheet_rows(path), start=1):
        cells = [cell_text(c) for c in row]
        if not any(cells):
            continue
        if header is None:
            header = list(cells)
            while header and header[-1] == "":
                header.pop()
            check_header(path, header, number)
            header_at = number
            continue
        if len(cells) > len(header):
            if any(cells[len(header):]):
                raise ContractError.single(
                    path, "structure_xlsx", f"valeur hors des colonnes de l'en-tête (colonne {len(header) + 1} ou plus)",
                    line=number,
                )
            cells = cells[: len(header)]
        records.append(cells + [""] * (len(header) - len(cells)))
        lines.append(number)
    if header is None or not records:
        raise ContractError.single(path, "fichier_vide", "aucune ligne de données dans la première feuille", line=header_at)
    frame = pd.DataFrame(records, columns=header, dtype=str)
    frame[LINE_COLUMN] = lines
    return TextTable(path=path, encoding="xlsx", separator="", frame=frame, header_line=header_at)
