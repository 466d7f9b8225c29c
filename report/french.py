"""French number and date conventions for the report: decimal comma, narrow no-break spaces
between thousands and before units (« 25 829 », « 53,2 % »), dates as 31/12/2018."""

from __future__ import annotations

import datetime as dt
import math

NNBSP = "\u202f"  # narrow no-break space: thousands separator and before % (French typography)
APPROX = "≈"  # marks a figure fed by masked or rounded inputs; explained once in the report


def number(value, decimals: int = 0) -> str:
    """25829 -> '25 829'; 53.21 (1 decimal) -> '53,2'; -7 -> '−7'; None -> '–'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", NNBSP).replace(".", ",").replace("-", "−")  # a true minus sign


def figure(value, unit: str | None, approximate: bool = False) -> str:
    """A value in its catalogue unit: counts whole, percentages with one decimal and « % »,
    ratios with two decimals, ETP with two."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if unit == "pct":
        text = f"{number(value, 1)}{NNBSP}%"
    elif unit in ("ratio", "etp"):
        text = number(value, 2)
    elif unit == "taux_pour_100":
        text = number(value, 1)
    else:
        text = number(value, 0 if float(value).is_integer() else 1)
    return f"{APPROX}{NNBSP}{text}" if approximate else text


def variation(value) -> str:
    """A change in %, signed, with an arrow: '▲ +4,8 %', '▼ −7,1 %', '► 0,0 %'."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if abs(value) < 0.05:
        return f"► {number(0, 1)}{NNBSP}%"
    arrow, sign = ("▲", "+") if value > 0 else ("▼", "−")
    return f"{arrow} {sign}{number(abs(value), 1)}{NNBSP}%"


def date(value: dt.date | dt.datetime) -> str:
    return value.strftime("%d/%m/%Y")
