"""The report's chart cache: a refresh where a few figures changed draws only their charts."""

import pytest

from report import charts

SERIES = {"CA du Boulonnais": [(2016, 31.5), (2017, 32.0), (2018, 32.4)], "Pas-de-Calais": [(2016, 30.1), (2018, 30.9)]}


@pytest.fixture
def drawings(monkeypatch):
    """The titles of the charts matplotlib actually drew."""
    drawn = []
    draw = charts.to_svg

    def counted(fig, title, caption):
        drawn.append(title)
        return draw(fig, title, caption)

    monkeypatch.setattr(charts, "to_svg", counted)
    return drawn


def test_a_chart_drawn_before_is_read_back_identical(tmp_path, drawings):
    with charts.cached_in(tmp_path / "cache"):
        first = charts.lines("Taux de couverture", SERIES, "%", "Source : CAF")
    with charts.cached_in(tmp_path / "cache"):
        again = charts.lines("Taux de couverture", SERIES, "%", "Source : CAF")
    uncached = charts.lines("Taux de couverture", SERIES, "%", "Source : CAF")
    assert drawings == ["Taux de couverture", "Taux de couverture"]  # the first and the uncached one
    assert again == first == uncached


def test_a_changed_figure_is_drawn_again_and_the_old_chart_forgotten(tmp_path, drawings):
    folder = tmp_path / "cache"
    with charts.cached_in(folder):
        before = charts.lines("Taux de couverture", SERIES, "%", "Source : CAF")
        charts.bars("Allocataires par commune", [("Boulogne-sur-Mer", 9000.0), ("Wimereux", 1200.0)], "nombre", "CAF")
    changed = {**SERIES, "CA du Boulonnais": [(2016, 31.5), (2017, 32.0), (2018, 33.0)]}
    with charts.cached_in(folder):
        after = charts.lines("Taux de couverture", changed, "%", "Source : CAF")
        charts.bars("Allocataires par commune", [("Boulogne-sur-Mer", 9000.0), ("Wimereux", 1200.0)], "nombre", "CAF")
    assert drawings == ["Taux de couverture", "Allocataires par commune", "Taux de couverture"]
    assert after.svg != before.svg
    assert len(list(folder.glob("*.json"))) == 2  # this report's two charts, not the one replaced


def test_an_unreadable_cached_chart_is_drawn_again(tmp_path, drawings):
    folder = tmp_path / "cache"
    with charts.cached_in(folder):
        charts.lines("Taux de couverture", SERIES, "%", "Source : CAF")
    [kept] = folder.glob("*.json")
    kept.write_text("{ coupé", encoding="utf-8")
    with charts.cached_in(folder):
        chart = charts.lines("Taux de couverture", SERIES, "%", "Source : CAF")
    assert drawings == ["Taux de couverture", "Taux de couverture"]
    assert chart.svg.startswith("<svg")
