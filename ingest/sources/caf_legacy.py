"""CAF open data, legacy commune files (2009 to about 2019).

One `;` CSV per theme and year, the year only in the file name (`ConfigFamiliale2018.csv`,
`NIVCOMTOTAL2009.csv`, `configfamiliale2009.csv`). Columns are read by name, case-insensitively.
A blank cell is statistical secrecy: it becomes NULL (masked), never zero.

The reader returns a long frame, one row per commune and variable, so that every theme
shares one raw table and a variable absent from a given year is simply absent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ingest.csvfile import LINE_COLUMN, map_columns, parse_counts, read_text_table
from ingest.errors import ContractError
from ingest.geo import SPECIAL_CODES, normalise_commune_codes, reject_duplicates

KEY_COLUMNS = ["communes", "codes_insee"]


@dataclass(frozen=True)
class LegacyTheme:
    theme: str  # canonical theme name, used in the raw table and by dbt staging
    stem: str  # file stem without the year, lower case
    label: str  # French label for reports
    required: list[str]
    optional: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)


THEMES: dict[str, LegacyTheme] = {
    t.stem: t
    for t in [
        LegacyTheme(
            theme="nivcomtotal",
            stem="nivcomtotal",
            label="population couverte",
            required=["nb_pers_par_foyer_alloc", "nb_enfants"],
            optional=["nb_enfants_0_2_ans", "nb_enfants_3_5_ans"],
        ),
        LegacyTheme(
            theme="config_familiale",
            stem="configfamiliale",
            label="configuration familiale",
            required=[
                "nb_allocataires",
                "coup_0_enf",
                "coup_1_enf",
                "coup_2_enf",
                "coup_3_enf",
                "coup_4plus_enf",
                "homme_isole",
                "femme_isolee",
                "mono_1_enf",
                "mono_2_enf",
                "mono_3_enf",
                "mono_4plus_enf",
            ],
        ),
    ]
}

FILE_NAME = re.compile(r"^(?P<stem>[A-Za-z_]+?)(?P<year>(?:19|20)\d\d)\.csv$", re.IGNORECASE)


def match_file_name(path: Path) -> tuple[LegacyTheme, int] | None:
    """(theme, year) when the file name is that of a legacy CAF commune file we read."""
    match = FILE_NAME.match(path.name)
    if not match:
        return None
    theme = THEMES.get(match["stem"].lower())
    return (theme, int(match["year"])) if theme else None


def read_legacy_file(path: Path, theme: LegacyTheme, year: int) -> pd.DataFrame:
    """Read one legacy file into long format.

    Columns: annee, code_commune, libelle_commune, est_special, variable, valeur (Int64, NULL
    when masked), ligne.
    """
    table = read_text_table(path, separators=";,")
    columns = map_columns(table, KEY_COLUMNS + theme.required, theme.optional, theme.aliases)
    code_header = columns["codes_insee"]
    codes = normalise_commune_codes(table, code_header)
    is_special = codes.isin(SPECIAL_CODES)
    reject_duplicates(
        table, codes[~is_special].to_frame(), code_header, "commune présente deux fois"
    )
    wide = pd.DataFrame(
        {
            "annee": year,
            "code_commune": codes,
            "libelle_commune": table.frame[columns["communes"]].str.strip(),
            "est_special": is_special,
            "ligne": table.frame[LINE_COLUMN],
        }
    )
    variables = [c for c in columns if c not in KEY_COLUMNS]
    for variable in variables:
        wide[variable] = parse_counts(table, variable, columns[variable], allow_blank=True)
    if wide.empty:
        raise ContractError.single(path, "fichier_vide", "aucune ligne de données", line=2)
    long = wide.melt(
        id_vars=["annee", "code_commune", "libelle_commune", "est_special", "ligne"],
        value_vars=variables,
        var_name="variable",
        value_name="valeur",
    )
    long["theme"] = theme.theme
    long["valeur"] = long["valeur"].astype("Int64")
    long["annee"] = long["annee"].astype("int32")
    return long[
        ["theme", "annee", "code_commune", "libelle_commune", "est_special", "variable", "valeur", "ligne"]
    ]
