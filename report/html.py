"""The report as one self-contained HTML page (styles inline, charts as inline SVG, no script,
no font file, no network), printable to PDF from a browser with page breaks per section."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

from report import french
from report.content import Cell, Report

TEMPLATES = Path(__file__).resolve().parent / "templates"


def cell_html(cell: Cell, column: str) -> Markup:
    if cell.unit is None:
        css = ' class="source"' if column == "Source" else ""
        return Markup(f"<td{css}>{escape(cell.value if cell.value is not None else '–')}</td>")
    if cell.unit == "annee":
        return Markup(f'<td class="n">{escape(cell.value if cell.value is not None else "–")}</td>')
    if cell.unit == "variation":
        return Markup(f'<td class="n">{escape(french.variation(cell.value))}</td>')
    return Markup(f'<td class="n">{escape(french.figure(cell.value, cell.unit, cell.approximate))}</td>')


def render(report: Report) -> str:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html", "j2"]))
    template = environment.get_template("rapport.html.j2")
    return template.render(report=report, generated=french.date(report.generated) + report.generated.strftime(" à %H:%M"),
                           cell_html=cell_html)
