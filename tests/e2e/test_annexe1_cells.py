"""Every numeric cell of Annexe 1's tables (tests/data/annexe1_cells.csv, a copy of the shared
spec's cell list), against the published sample warehouse, at its printed precision.

A cell the warehouse could not reproduce would be listed in GAPS with the reason, as a strict
expected failure (a gap that starts passing fails the suite until it is removed); the list is
empty: all 172 cells come out of the sample.
"""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
import pytest

CELLS = Path(__file__).resolve().parents[1] / "data" / "annexe1_cells.csv"
TERRITORY = {"epci": "246200729", "departement": "62", "groupement": "antenne_boulogne"}
GAPS: dict[tuple[str, str, str], str] = {}  # (code, level, measure) -> why the sample cannot give it yet


def cells():
    with CELLS.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            key = (row["indicateur_code"], row["niveau"], row["mesure"])
            marks = [pytest.mark.xfail(reason=GAPS[key], strict=True)] if key in GAPS else []
            yield pytest.param(row, id=f"{row['indicateur_code']}-{row['niveau']}-{row['annee']}-{row['mesure']}",
                               marks=marks)


@pytest.mark.parametrize("cell", cells())
def test_annexe_1_cell(refreshed, cell):
    with duckdb.connect(str(refreshed.warehouse), read_only=True) as con:
        found = con.execute(
            f"select {cell['mesure']} from marts.indicateurs where indicateur_code = ? and territoire_niveau = ? "
            "and territoire_code = ? and annee = ?",
            [cell["indicateur_code"], cell["niveau"], TERRITORY[cell["niveau"]], int(cell["annee"])],
        ).fetchall()
    assert found and found[0][0] is not None, "no figure"
    decimals = int(cell["decimales"])
    assert f"{found[0][0]:.{decimals}f}" == f"{float(cell['valeur']):.{decimals}f}"
