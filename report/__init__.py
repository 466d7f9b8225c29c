"""The diagnostic and evaluation report the CTG partners read (HTML and Excel), regenerated
from the published warehouse only. `write_report` is what `ctg report` and the Dagster asset
call."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

HTML_NAME = "rapport_ctg.html"
WORKBOOK_NAME = "rapport_ctg.xlsx"


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    workbook: Path
    sections: int
    tables: int
    charts: int


def load_report_libraries() -> None:
    """Import what writing the report needs (matplotlib, openpyxl: about 2 s), ahead of time:
    the refresh does it in a thread while dbt builds."""
    from report import content, html, workbook  # noqa: F401


def write_report(warehouse: Path, out_dir: Path, chart_cache: Path | None = None) -> ReportFiles:
    """Write the report of a published warehouse into `out_dir`: each file is written beside
    its target and renamed, so that a reader never opens a half-written report. `chart_cache`:
    a folder keeping the charts drawn, so that the next report draws only those that changed."""
    from report import charts, content, html, workbook

    with charts.cached_in(chart_cache):
        report = content.build(warehouse)
    out_dir.mkdir(parents=True, exist_ok=True)
    html_path, workbook_path = out_dir / HTML_NAME, out_dir / WORKBOOK_NAME
    staged_html = html_path.with_suffix(".html.tmp")
    staged_html.write_text(html.render(report), encoding="utf-8")
    staged_workbook = workbook_path.with_suffix(".xlsx.tmp")
    workbook.write(report, staged_workbook)
    os.replace(staged_html, html_path)
    os.replace(staged_workbook, workbook_path)
    return ReportFiles(html_path, workbook_path, len(report.sections),
                       sum(len(s.tables) for s in report.sections), sum(len(s.charts) for s in report.sections))
