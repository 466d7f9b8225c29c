"""Follow-up file of the action plan (ours, SOURCES.md §8): what no extract computes.

The coordinators fill, for each evaluation indicator of Annexe 3 that only they can measure
(a network created, young people accompanied...), one row per year:
`axe;objectif;indicateur_code;annee;valeur;commentaire`, plus `statut` (`non_demarre`,
`en_cours`, `realise`, `abandonne`) for qualitative and yes/no indicators, and optionally
`territoire`, `porteur`, `valide_copil_le` (date the comité de pilotage validated the figure),
`nature` and `unite` (checked when given). CSV (`;` or `,`) or .xlsx.

Every row is checked against the plan's reference data, the dbt seeds
`plan_action_indicateurs.csv` and `plan_action.csv` (one source of truth for dbt and for this
reader): an unknown indicator, one that an extract computes, the wrong axe, objective, kind
or unit, a year outside the convention, a duplicate or a status outside the list refuses the
file, naming its line and column. A later file corrects an earlier one (the registry loads
the files of this source oldest first).
"""

from __future__ import annotations

import csv
import re
from functools import lru_cache
from pathlib import Path

import pandas as pd

from ingest.cells import code_of, dates, fail, read_table, required_text, text_column
from ingest.csvfile import LINE_COLUMN, TextTable, map_columns, parse_counts, parse_numbers
from ingest.geo import reject_duplicates
from ingest.quality import HEADERS_ATTR

SEEDS = Path(__file__).resolve().parents[2] / "dbt_project" / "seeds"
STATUSES = ("non_demarre", "en_cours", "realise", "abandonne")
UNIT_ALIASES = {"nb": "nombre", "nbre": "nombre", "places": "nombre", "%": "pct", "pourcentage": "pct",
                "pour_cent": "pct", "etp": "etp", "statut": "statut"}
NATURE_ALIASES = {"oui_non": "binaire", "quantitative": "quantitatif", "qualitative": "qualitatif"}
# A yes/no figure may be written as a word; the axe as "Axe 3".
VALUE_WORDS = {"oui": "1", "vrai": "1", "true": "1", "non": "0", "faux": "0", "false": "0"}

REQUIRED = ["axe", "objectif", "indicateur_code", "annee", "valeur"]
OPTIONAL = ["commentaire", "statut", "territoire", "porteur", "valide_copil_le", "nature", "unite"]
ALIASES = {"indicateur": "indicateur_code", "code_indicateur": "indicateur_code", "annee_suivi": "annee",
           "année": "annee", "valide_copil": "valide_copil_le", "date_copil": "valide_copil_le"}
COLUMNS_DDL = (
    "axe integer not null, objectif varchar not null, indicateur_code varchar not null, annee integer not null, "
    "valeur double, statut varchar, commentaire varchar, territoire varchar, porteur varchar, "
    "valide_copil_le date, ligne bigint not null"
)


@lru_cache(maxsize=1)
def reference() -> dict[str, dict[str, str]]:
    """The evaluation indicators of the plan, by code (seed plan_action_indicateurs.csv)."""
    with (SEEDS / "plan_action_indicateurs.csv").open(encoding="utf-8") as handle:
        return {row["indicateur_code"]: row for row in csv.DictReader(handle)}


@lru_cache(maxsize=1)
def period() -> tuple[int, int]:
    """The years of the convention (seed plan_action.csv): follow-up figures outside it are refused."""
    with (SEEDS / "plan_action.csv").open(encoding="utf-8") as handle:
        plan = next(csv.DictReader(handle))
    return int(plan["annee_debut"]), int(plan["annee_fin"])


def looks_like(header: set[str]) -> bool:
    return {"indicateur_code", "annee", "axe"} <= header or {"indicateur", "annee", "axe"} <= header


def objective_code(text: str) -> str:
    """'OG 1', 'og1', 'Objectif général 1', '1' -> 'OG1'; 'OG' alone stays 'OG'."""
    number = re.search(r"\d+", text)
    return f"OG{int(number.group())}" if number else code_of(text)


def read_follow_up(path: Path) -> pd.DataFrame:
    table = read_table(path)
    columns = map_columns(table, REQUIRED, OPTIONAL, ALIASES)
    cells = table.frame
    cells[columns["valeur"]] = cells[columns["valeur"]].map(lambda v: VALUE_WORDS.get(v.strip().lower(), v))
    cells[columns["axe"]] = cells[columns["axe"]].str.replace(r"(?i)^\s*axe\s*", "", regex=True)
    indicators = reference()
    first_year, last_year = period()
    codes = required_text(table, columns["indicateur_code"]).str.lower()
    axes = parse_counts(table, "axe", columns["axe"], allow_blank=False)
    objectives = required_text(table, columns["objectif"]).map(objective_code)
    years = parse_counts(table, "annee", columns["annee"], allow_blank=False)
    values = parse_numbers(table, columns["valeur"], allow_blank=True, non_negative=True)
    statuses = text_column(table, columns.get("statut")).map(lambda s: code_of(s).lower(), na_action="ignore")
    natures = text_column(table, columns.get("nature")).map(
        lambda s: NATURE_ALIASES.get(code_of(s).lower(), code_of(s).lower()), na_action="ignore")
    units = text_column(table, columns.get("unite")).map(
        lambda s: UNIT_ALIASES.get(s.strip().lower(), code_of(s).lower()), na_action="ignore")
    for index in table.frame.index:
        check_row(table, columns, index, indicators.get(codes[index]), codes[index], int(axes[index]),
                  objectives[index], int(years[index]), values[index], statuses[index], natures[index], units[index],
                  (first_year, last_year))
    territories = text_column(table, columns.get("territoire"))
    reject_duplicates(table, pd.DataFrame({"code": codes, "annee": years, "territoire": territories.fillna("")}),
                      columns["indicateur_code"], "indicateur (indicateur / année / territoire)")
    frame = pd.DataFrame({
        "axe": axes.astype("int32"),
        "objectif": objectives.astype("string"),
        "indicateur_code": codes.astype("string"),
        "annee": years.astype("int32"),
        "valeur": binary_values(codes, values, statuses, indicators).astype("float64"),
        "statut": statuses.astype("string"),
        "commentaire": text_column(table, columns.get("commentaire")),
        "territoire": territories,
        "porteur": text_column(table, columns.get("porteur")),
        "valide_copil_le": dates(table, columns.get("valide_copil_le")).dt.date,
        "ligne": table.frame[LINE_COLUMN],
    })
    frame.attrs[HEADERS_ATTR] = {name: columns[name] for name in columns}
    return frame


def check_row(table: TextTable, columns: dict[str, str], index, indicator: dict[str, str] | None, code: str,
              axe: int, objective: str, year: int, value, status, nature, unit, years: tuple[int, int]) -> None:
    """One row against the plan's reference: the first broken rule refuses the file."""
    if indicator is None:
        raise fail(table, index, columns["indicateur_code"], "indicateur_connu",
                   f"indicateur inconnu « {code} » : il n'est pas dans le plan d'action (plan_action_indicateurs.csv)")
    if indicator["source"] != "suivi":
        raise fail(table, index, columns["indicateur_code"], "indicateur_saisi",
                   f"l'indicateur « {code} » est calculé à partir de la source « {indicator['source']} » : "
                   "il ne se saisit pas dans le fichier de suivi")
    if axe != int(indicator["axe"]):
        raise fail(table, index, columns["axe"], "axe_indicateur",
                   f"l'indicateur « {code} » relève de l'axe {indicator['axe']}, pas de l'axe {axe}")
    if objective != indicator["objectif"]:
        raise fail(table, index, columns["objectif"], "objectif_indicateur",
                   f"l'indicateur « {code} » relève de l'objectif {indicator['objectif']}, pas de {objective}")
    if not years[0] <= year <= years[1]:
        raise fail(table, index, columns["annee"], "annee_convention",
                   f"année {year} hors de la période de la convention ({years[0]}–{years[1]})")
    kind, expected_unit = indicator["nature"], indicator["unite"]
    if pd.notna(nature) and nature != kind:
        raise fail(table, index, columns["nature"], "nature_indicateur",
                   f"l'indicateur « {code} » est {kind}, pas {nature}")
    if pd.notna(unit) and unit != expected_unit:
        raise fail(table, index, columns["unite"], "unite_indicateur",
                   f"l'indicateur « {code} » se mesure en « {expected_unit} », pas en « {unit} »")
    if pd.notna(status) and status not in STATUSES:
        raise fail(table, index, columns.get("statut", columns["indicateur_code"]), "statut_connu",
                   f"statut inconnu « {table.frame.at[index, columns['statut']].strip()} » "
                   f"(attendus : {', '.join(STATUSES)})")
    if kind == "quantitatif":
        check_quantity(table, columns["valeur"], index, code, expected_unit, value)
    elif pd.isna(status):
        raise fail(table, index, columns.get("statut", columns["indicateur_code"]), "statut_obligatoire",
                   f"indicateur {kind} « {code} » : le statut est obligatoire ({', '.join(STATUSES)})")
    elif kind == "qualitatif" and pd.notna(value):
        raise fail(table, index, columns["valeur"], "valeur_qualitative",
                   f"indicateur qualitatif « {code} » : pas de valeur chiffrée, l'avancement se saisit dans statut")
    elif kind == "binaire" and pd.notna(value) and (value not in (0, 1) or (value == 1) != (status == "realise")):
        raise fail(table, index, columns["valeur"], "valeur_binaire",
                   f"indicateur oui/non « {code} » : valeur 1 (oui) si et seulement si le statut est realise")


def check_quantity(table: TextTable, header: str, index, code: str, unit: str, value) -> None:
    if pd.isna(value):
        raise fail(table, index, header, "valeur_obligatoire",
                   f"indicateur quantitatif « {code} » : la valeur est obligatoire")
    if unit == "nombre" and value != int(value):
        raise fail(table, index, header, "valeur_entiere",
                   f"indicateur « {code} » compté en nombre : valeur entière attendue, pas {value:g}")
    if unit == "pct" and value > 100:
        raise fail(table, index, header, "pourcentage", f"pourcentage supérieur à 100 : {value:g}")


def binary_values(codes: pd.Series, values: pd.Series, statuses: pd.Series, indicators: dict) -> pd.Series:
    """A yes/no indicator is 1 when realised, else 0 (whether or not the file gave the value)."""
    binary = codes.map(lambda c: indicators[c]["nature"] == "binaire")
    return values.where(~binary, (statuses == "realise").astype("Float64"))


def follow_up_unit(frame: pd.DataFrame) -> tuple[str, dict[str, object]]:
    """A file replaces the (year, indicator) pairs it holds: a later file corrects an earlier one."""
    pairs = sorted({(int(y), str(c)) for y, c in zip(frame["annee"], frame["indicateur_code"], strict=True)})
    years = sorted({y for y, _c in pairs})
    indicators = len({c for _y, c in pairs})
    return f"suivi/{','.join(map(str, years))}/{indicators} indicateurs", {("annee", "indicateur_code"): pairs}
