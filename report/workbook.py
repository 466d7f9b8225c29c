"""The report's tables as an Excel workbook for partners who rework them: one sheet a table,
numbers stored as numbers with number formats (Excel shows them the French way in a French
locale: 25 829 ; 53,2 %), approximate figures in italics, the source under each table."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

from report.content import Report

FORMATS = {"nombre": "#,##0", "pct": '0.0" %"', "ratio": "0.00", "etp": "0.00", "taux_pour_100": "0.0",
           "variation": '+0.0" %";-0.0" %";0.0" %"', "annee": "0"}
HEADER = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="E8EEF4")
APPROXIMATE = Font(italic=True, color="555555")


def write(report: Report, path: Path) -> None:
    workbook = Workbook()
    workbook.remove(workbook.active)
    used: set[str] = set()
    for section in report.sections:
        for table in section.tables:
            sheet = workbook.create_sheet(unique_title(table.sheet, used))
            sheet.append([table.title])
            sheet["A1"].font = Font(bold=True, size=12)
            sheet.append(table.columns)
            for cell in sheet[2]:
                cell.font, cell.fill = HEADER, HEADER_FILL
            for row in table.rows:
                sheet.append([cell.value for cell in row])
                for target, cell in zip(sheet[sheet.max_row], row, strict=True):
                    if cell.unit in FORMATS and isinstance(cell.value, int | float):
                        target.number_format = FORMATS[cell.unit]
                    if cell.approximate:
                        target.font = APPROXIMATE
            sheet.append([])
            sheet.append([table.caption])
            sheet.append(["Italique : valeur approchée (secret statistique ou arrondi de la Caf)."])
            sheet.freeze_panes = "B3"
            for index, column in enumerate(table.columns, start=1):
                sheet.column_dimensions[get_column_letter(index)].width = 40 if index == 1 else max(12, min(30, len(column) + 2))
    workbook.save(path)


def unique_title(title: str, used: set[str]) -> str:
    clean = "".join(ch for ch in title if ch not in '[]:*?/\\')[:31]
    candidate, number = clean, 2
    while candidate in used:
        suffix = f" {number}"
        candidate, number = clean[: 31 - len(suffix)] + suffix, number + 1
    used.add(candidate)
    return candidate
