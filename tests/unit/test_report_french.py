"""French conventions of the report: decimal comma, narrow no-break spaces, arrows, dates."""

import datetime as dt

from report.french import date, figure, number, variation

NNBSP = "\u202f"


def test_numbers_units_and_approximate_figures():
    assert number(25829) == f"25{NNBSP}829" and number(1470725) == f"1{NNBSP}470{NNBSP}725"
    assert figure(53.2138, "pct") == f"53,2{NNBSP}%"
    assert figure(25340.0, "nombre", approximate=True) == f"≈{NNBSP}25{NNBSP}340"
    assert figure(7.1, "etp") == "7,10" and figure(2.954, "ratio") == "2,95"
    assert figure(None, "pct") == "–" and figure(float("nan"), "nombre") == "–"
    assert number(-7) == "−7"  # U+2212, not a hyphen


def test_variations_carry_an_arrow_and_a_true_minus_sign():
    assert variation(4.76) == f"▲ +4,8{NNBSP}%"
    assert variation(-7.0588) == f"▼ −7,1{NNBSP}%"
    assert variation(0.01) == f"► 0,0{NNBSP}%" and variation(None) == "–"


def test_dates_are_day_month_year():
    assert date(dt.date(2018, 12, 31)) == "31/12/2018"
