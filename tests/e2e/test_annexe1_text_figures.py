"""The figures of Annexe 1's running text (tests/data/annexe1_text_figures.csv: the shared
list, annotated): each is produced by the published sample warehouse (asserted at its printed
precision), or it is explained. `etat`:
- `produit`: asserted; when the text prints no year, `annee_retenue` is the year the warehouse
  gives the figure for;
- `a_produire`: computable from the sources, not produced yet: a strict expected failure, so
  that a figure that starts coming out is noticed;
- `ecart_convention`: the text contradicts the convention's own tables, which the warehouse
  follows (README, "where Annexe 1 contradicts itself");
- `sans_source`: no source of the project can give it (the README lists them).
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

FIGURES = Path(__file__).resolve().parents[1] / "data" / "annexe1_text_figures.csv"
# The text's group of communes is the SIVU (Saint-Étienne-au-Mont, Saint-Léonard, Isques).
TERRITORY = {"epci": "246200729", "departement": "62", "groupement": "sivu_seli"}
STATES = {"produit", "a_produire", "ecart_convention", "sans_source"}


def rows():
    with FIGURES.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def figures():
    for number, row in enumerate(rows(), start=2):
        if row["etat"] not in ("produit", "a_produire"):
            continue
        marks = [pytest.mark.xfail(reason=row["raison"], strict=True)] if row["etat"] == "a_produire" else []
        yield pytest.param(row, id=f"{number}-{row['indicateur_code']}-{row['commune'] or row['niveau']}", marks=marks)


def test_every_text_figure_is_produced_or_explained():
    listed = rows()
    assert len(listed) == 191 and {row["etat"] for row in listed} <= STATES
    assert all(row["raison"] for row in listed if row["etat"] != "produit")


@pytest.mark.parametrize("row", figures())
def test_text_figure(refreshed, row):
    code = row["commune"] if row["niveau"] == "commune" else TERRITORY[row["niveau"]]
    query = (f"select {row['mesure']} from marts.indicateurs where indicateur_code = ? and territoire_niveau = ? "
             "and territoire_code = ?")
    params = [row["indicateur_code"], row["niveau"], code]
    if row["annee_retenue"]:
        query += " and annee = ?"
        params.append(int(row["annee_retenue"]))
    with duckdb.connect(str(refreshed.warehouse), read_only=True) as con:
        found = [value for (value,) in con.execute(query, params).fetchall() if value is not None]
    decimals = int(row["decimales"] or 0)
    assert f"{float(row['valeur']):.{decimals}f}" in {f"{value:.{decimals}f}" for value in found}
