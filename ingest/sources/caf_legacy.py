"""CAF open data, legacy commune files (2009 to about 2019).

One `;` CSV per theme and year, the year only in the file name (`ConfigFamiliale2018.csv`,
`NIVCOMTOTAL2009.csv`, `configfamiliale2009.csv`). Columns are read by name, case-insensitively;
their order changes between years. A blank cell is statistical secrecy: it becomes NULL
(masked), never zero.

The reader returns a wide frame (one row per commune, the theme's variables as columns) that
the theme's Great Expectations suite validates; `to_raw` gives its rows to the raw table that
every theme shares, each variable in its theme's value column (`VALUE_COLUMNS`). A national
file is read and checked by DuckDB in one scan (`read_plain_legacy_file`); Python reads a
file again cell by cell only when DuckDB finds something to report in it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from ingest import quality
from ingest.csvfile import (
    COPY_SUFFIX,
    LINE_COLUMN,
    PlainLayout,
    TextTable,
    count_sql,
    map_columns,
    nullable_integers,
    parse_count_columns,
    plain_layout,
    read_text_table,
    scan_counts,
)
from ingest.geo import (
    SPECIAL_CODES,
    check_known_departements,
    commune_code_sql,
    normalise_commune_codes,
    reject_duplicates,
)
from ingest.load import SqlRows

KEY_COLUMNS = ["communes", "codes_insee"]
ID_COLUMNS = ["annee", "code_commune", "libelle_commune", "est_special", "ligne"]


@dataclass(frozen=True)
class LegacyTheme:
    theme: str  # canonical theme name, used in the raw table and by dbt staging
    stems: tuple[str, ...]  # file stems without the year, lower case
    label: str  # French label for reports
    required: list[str]
    optional: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)  # older header -> canonical name
    at_most: list[tuple[str, str]] = field(default_factory=list)  # (part, whole): part <= whole

    @property
    def variables(self) -> list[str]:
        """Every variable of the theme, in the order of the raw table's value columns."""
        return self.required + self.optional

    def value_column(self, variable: str) -> str:
        """The raw table's column holding `variable` for this theme: v01 for its first one."""
        return f"v{self.variables.index(variable) + 1:02d}"

    def suite(self, variables: list[str]) -> list[quality.Rule]:
        """Codes and non-negative counts are the reader's; the suite checks parts against wholes."""
        rules = []
        for part, whole in self.at_most:
            if part in variables and whole in variables:
                rules.append(quality.at_most(part, whole, f"{part}_inferieur_a_{whole}",
                                             f"{part} supérieur à {whole} sur la même ligne"))
        return rules


ENFANT_BANDS = [
    "nb_enfants_0_2_ans", "nb_enfants_3_5_ans", "nb_enfants_6_11_ans", "nb_enfants_12_15_ans",
    "nb_enfants_16_17_ans", "nb_enfants_18_19_ans", "nb_enfants_20_24_ans",
]

THEME_LIST = [
    LegacyTheme(
        "nivcomtotal", ("nivcomtotal",), "population couverte",
        required=["nb_pers_par_foyer_alloc", "nb_enfants"],
        optional=["nb_enfants_0_2_ans", "nb_enfants_3_5_ans"],  # 2009 only
    ),
    LegacyTheme(
        "config_familiale", ("configfamiliale",), "configuration familiale",
        required=[
            "nb_allocataires", "coup_0_enf", "coup_1_enf", "coup_2_enf", "coup_3_enf", "coup_4plus_enf",
            "homme_isole", "femme_isolee", "mono_1_enf", "mono_2_enf", "mono_3_enf", "mono_4plus_enf",
        ],
    ),
    LegacyTheme(
        "tranche_age", ("trancheage", "trancheagecom"), "âge du responsable",
        required=["nb_allocataires"],
        optional=["all0a19", "all20a24", "all25a29", "all30a39", "all40a49", "all50a54", "all55a59",
                  "all60a64", "all65a69", "all70ax", "allagex", "all50a59", "all60ax"],
    ),
    LegacyTheme(
        "enfant_age", ("enfantagecom", "enfantage"), "enfants couverts par âge",
        required=ENFANT_BANDS + ["nb_enfants"],
        at_most=[(band, "nb_enfants") for band in ENFANT_BANDS],
    ),
    LegacyTheme(
        "rsa", ("rsacom", "rsa"), "revenu de solidarité active",
        required=["nb_allocataires", "nb_allocataire_rsa"],
        optional=["dont_rsa_jeune", "rsa_socle_non_majore", "rsa_socle_majore", "rsa_activite"],
        at_most=[("nb_allocataire_rsa", "nb_allocataires")],
    ),
    LegacyTheme(
        "aah", ("aahcom", "aah"), "allocation aux adultes handicapés",
        required=["nb_allocataires", "all_aah"],
        at_most=[("all_aah", "nb_allocataires")],
    ),
    LegacyTheme(
        "aeeh", ("enfantaeeh", "aeehcom"), "allocation d'éducation de l'enfant handicapé",
        required=["nb_enfant_aeeh"],
        optional=["aeeh_0a2", "aeeh_3a5", "aeeh_6a11", "aeeh_12a15", "aeeh_16a17", "aeeh_18a20"],
    ),
    LegacyTheme(
        "bas_revenu", ("basrevenucom", "basrevenu"), "allocataires à bas revenus",
        required=["all_bas_revenu", "nb_allocataires_ress"],
        optional=["pers_bas_revenu", "nb_pers_couv_ress"],
        aliases={"nb_allocataires": "nb_allocataires_ress"},  # 2009 spelling
        at_most=[("all_bas_revenu", "nb_allocataires_ress"), ("pers_bas_revenu", "nb_pers_couv_ress")],
    ),
    LegacyTheme(
        "dependance", ("dependanceprestacom", "dependancepresta"), "dépendance aux prestations",
        required=["nb_allocataires", "tr50pfrb", "tr100pfrb"],
        at_most=[("tr50pfrb", "nb_allocataires"), ("tr100pfrb", "nb_allocataires")],
    ),
    LegacyTheme(
        "paje", ("pajecom", "paje"), "prestation d'accueil du jeune enfant",
        required=["nb_allocataires", "all_paje"],
        optional=["all_prim", "all_basep", "all_cmg", "all_cmg_asma", "all_cmg_dom", "all_cmg_a", "all_clca_colca"],
        at_most=[("all_paje", "nb_allocataires")],
    ),
    LegacyTheme(
        "logement", ("logcom", "logement"), "aides au logement",
        required=["nb_allocataires", "total_allocataires_logement"],
        optional=["total_alf", "total_als", "total_apl"],
        at_most=[("total_allocataires_logement", "nb_allocataires")],
    ),
]
THEMES: dict[str, LegacyTheme] = {t.theme: t for t in THEME_LIST}
# The raw table holds every theme's rows: a theme's variables go to its value columns v01,
# v02... in the order of `LegacyTheme.variables` (the staging views name them back). A column
# per variable of every theme (65) made each file's load write 65 columns, most of them NULL:
# 0.2 s a file instead of 0.09. The order is therefore the layout of loaded rows: append a new
# variable at the end of its list (tests/unit/test_caf_legacy.py pins the orders).
VALUE_COLUMNS = tuple(f"v{n:02d}" for n in range(1, max(len(t.variables) for t in THEME_LIST) + 1))
RAW_COLUMNS = (
    "theme varchar not null, annee integer not null, code_commune varchar not null, libelle_commune varchar, "
    "est_special boolean not null, ligne bigint not null, variables_fichier varchar not null, "
    + ", ".join(f"{column} bigint" for column in VALUE_COLUMNS)
)
THEME_BY_STEM: dict[str, LegacyTheme] = {stem: t for t in THEME_LIST for stem in t.stems}

FILE_NAME = re.compile(r"^(?P<stem>[A-Za-z_]+?)_?(?P<year>(?:19|20)\d\d)" + COPY_SUFFIX + r"\.csv$", re.IGNORECASE)


def match_file_name(path: Path) -> tuple[LegacyTheme, int] | None:
    """(theme, year) when the file name is that of a legacy CAF commune file we read."""
    match = FILE_NAME.match(path.name)
    if not match:
        return None
    theme = THEME_BY_STEM.get(match["stem"].lower())
    return (theme, int(match["year"])) if theme else None


def read_legacy_file(path: Path, theme: LegacyTheme, year: int) -> pd.DataFrame:
    """Read one legacy file: ID_COLUMNS then one nullable integer column per variable.

    DuckDB reads a plain file and checks it in one query (`read_plain_legacy_file`); a file it
    finds anything wrong or unusual in is read again here, cell by cell, so that each problem
    is named with its line and column."""
    layout = plain_layout(path)
    if layout is not None and (wide := read_plain_legacy_file(path, layout, theme, year)) is not None:
        return wide
    table = read_text_table(path, separators=";,")
    columns = map_columns(table, KEY_COLUMNS + theme.required, theme.optional, theme.aliases)
    code_header = columns["codes_insee"]
    codes = normalise_commune_codes(table, code_header)
    is_special = codes.isin(SPECIAL_CODES)
    check_known_departements(table, codes, code_header)
    reject_duplicates(table, codes[~is_special].to_frame(), code_header, "commune présente deux fois")
    wide = pd.DataFrame(
        {
            "annee": year,
            "code_commune": codes,
            "libelle_commune": table.frame[columns["communes"]].str.strip(),
            "est_special": is_special,
            "ligne": table.frame[LINE_COLUMN],
        }
    )
    # Every bad column at once, so that one correction pass fixes the file.
    counts = parse_count_columns(table, {v: columns[v] for v in variables_of(columns)}, allow_blank=True)
    wide = pd.concat([wide, pd.DataFrame(counts, index=wide.index)], axis=1)
    wide["annee"] = wide["annee"].astype("int32")
    # Quality rules name columns as the file spells them.
    wide.attrs[quality.HEADERS_ATTR] = {"code_commune": code_header, **{v: columns[v] for v in variables_of(columns)}}
    return wide


def read_plain_legacy_file(path: Path, layout: PlainLayout, theme: LegacyTheme, year: int) -> pd.DataFrame | None:
    """read_legacy_file's frame, read and checked by DuckDB in one pass; None when any cell
    breaks a rule (or looks unusual), so that the reader names it."""
    header_table = TextTable(path, layout.encoding, layout.separator, pd.DataFrame(columns=layout.header))
    columns = map_columns(header_table, KEY_COLUMNS + theme.required, theme.optional, theme.aliases)
    position = {name: f"c{index}" for index, name in enumerate(layout.header)}
    code, name = position[columns["codes_insee"]], position[columns["communes"]]
    variables = variables_of(columns)
    code_commune, special, code_refused = commune_code_sql(code)

    def select(plain_only: bool) -> str:
        counts = [count_sql(position[columns[v]], allow_blank=True, plain_only=plain_only) for v in variables]
        # One strict scan: the values, and per row whether any cell breaks a rule (or looks
        # unusual). Fewer rows than lines means a blank line was skipped.
        refused = " or ".join([
            *(f"({refused})" for _value, refused in counts),
            code_refused,
            # Maybe a line of separators and blanks, which the reader skips: Python decides.
            f"({code_commune} = '' and {' and '.join(f'({value}) is null' for value, _refused in counts)})",
        ])
        return f"""
            {code_commune} as code_commune, coalesce({name}, '') as libelle_commune,
            {special} as est_special, coalesce({refused}, true) as refuse
            {"".join(f", {value} as n{i}" for i, (value, _refused) in enumerate(counts))}
        """
    result = scan_counts(path, layout, select)
    if result is None:
        return None
    codes = pd.Series(result["code_commune"], dtype="str")
    is_special = result["est_special"].astype(bool)
    if len(codes) != layout.records or result["refuse"].any() or codes[~is_special].duplicated().any():
        return None
    wide = pd.DataFrame({
        "annee": np.full(layout.records, year, dtype="int32"),
        "code_commune": codes,
        "libelle_commune": pd.Series([label.strip() for label in result["libelle_commune"]], dtype="str"),
        "est_special": is_special,
        "ligne": np.arange(2, layout.records + 2, dtype="int64"),  # the header is line 1, no blank line
    })
    for i, variable in enumerate(variables):
        wide[variable] = nullable_integers(result[f"n{i}"])
    wide.attrs[quality.HEADERS_ATTR] = {"code_commune": columns["codes_insee"], **{v: columns[v] for v in variables}}
    return wide


def variables_of(frame_or_columns) -> list[str]:
    return [c for c in frame_or_columns if c not in KEY_COLUMNS and c not in ID_COLUMNS]


def to_raw(wide: pd.DataFrame, theme: LegacyTheme) -> SqlRows:
    """The rows of the raw table `raw.caf_legacy`: the reader's rows as they are, one per commune,
    each variable in its value column (`LegacyTheme.value_column`), and the file's variables
    listed in `variables_fichier`, so that a variable absent from a year (not listed) differs
    from one masked for every commune (listed, NULL)."""
    present = {theme.value_column(v): v for v in variables_of(wide)}
    listed = ",".join(present.values()).replace("'", "''")
    theme_name = theme.theme.replace("'", "''")
    values = ", ".join(f'cast("{present[column]}" as bigint) as {column}' if column in present
                       else f"null::bigint as {column}" for column in VALUE_COLUMNS)
    return SqlRows(wide, f"""
        select '{theme_name}' as theme, annee, code_commune, libelle_commune, est_special, ligne,
               '{listed}' as variables_fichier, {values}
        from reader_frame
    """)
