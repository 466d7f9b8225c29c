"""CAF open data, legacy commune files (2009 to about 2019).

One `;` CSV per theme and year, the year only in the file name (`ConfigFamiliale2018.csv`,
`NIVCOMTOTAL2009.csv`, `configfamiliale2009.csv`). Columns are read by name, case-insensitively;
their order changes between years. A blank cell is statistical secrecy: it becomes NULL
(masked), never zero.

The reader returns a wide frame (one row per commune, the theme's variables as columns) that
the theme's Great Expectations suite validates; `to_long` turns it into the rows of the shared
raw table, one per commune and variable, so that a variable absent from a year is absent. A
national file is read and checked by DuckDB (`read_plain_legacy_file`); Python reads a file
again cell by cell only when DuckDB finds something to report in it.
"""

from __future__ import annotations

import contextlib
import re
import tempfile
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
    parse_count_columns,
    parsing_cursor,
    plain_layout,
    read_text_table,
)
from ingest.geo import (
    SPECIAL_CODES,
    check_known_departements,
    known_departements,
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


# A code DuckDB may accept as it is (after trim and upper): 5 characters, a 4-digit code
# whose leading zero a spreadsheet dropped, or a special row. Anything else, Python judges.
PLAIN_CODE = r"^(?:[0-9]{4,5}|2[AB][0-9]{3}|XXXXX|99999|)$"


def read_plain_legacy_file(path: Path, layout: PlainLayout, theme: LegacyTheme, year: int) -> pd.DataFrame | None:
    """read_legacy_file's frame, read and checked by DuckDB in one pass; None when any cell
    breaks a rule (or looks unusual), so that the reader names it."""
    header_table = TextTable(path, layout.encoding, layout.separator, pd.DataFrame(columns=layout.header))
    columns = map_columns(header_table, KEY_COLUMNS + theme.required, theme.optional, theme.aliases)
    position = {name: f"c{index}" for index, name in enumerate(layout.header)}
    code, name = position[columns["codes_insee"]], position[columns["communes"]]
    variables = variables_of(columns)
    counts = [count_sql(position[columns[v]], allow_blank=True) for v in variables]
    known = ", ".join(f"'{d}'" for d in sorted(known_departements()))
    csv_columns = "{" + ", ".join(f"'c{i}': 'VARCHAR'" for i in range(len(layout.header))) + "}"
    code_brut = f"upper(trim(coalesce({code}, '')))"
    code_commune = f"case when length({code_brut}) = 4 then '0' || {code_brut} else {code_brut} end"
    specials = ", ".join("'" + special_code + "'" for special_code in sorted(SPECIAL_CODES))
    special = f"({code_brut} in ({specials}))"
    departement = f"case when {code_commune} like '97%' then left({code_commune}, 3) else left({code_commune}, 2) end"
    utf8 = layout.encoding in ("utf-8", "utf-8-sig")  # DuckDB reads UTF-8: a CP1252 file goes through a copy
    with contextlib.nullcontext() if utf8 else tempfile.TemporaryDirectory() as tmp, parsing_cursor() as cursor:
        source = path
        if not utf8:
            source = Path(tmp) / "utf8.csv"
            source.write_text(layout.text, encoding="utf-8")
        # The file is read twice (a scan costs little next to Python): once to check every rule,
        # once for the values. Rows come in file order (DuckDB preserves insertion order).
        cells = (f"read_csv(?, delim = ?, header = false, skip = 1, quote = '', escape = '', auto_detect = false, "
                 f"columns = {csv_columns})")
        checks = cursor.execute(
            f"""
            select
                count(*) = ?,
                {"".join(f"coalesce(bool_or({refused}), false) or " for _value, refused in counts)}
                coalesce(bool_or(not regexp_full_match({code_brut}, '{PLAIN_CODE}')), false)
                or coalesce(bool_or(not {special} and {departement} not in ({known})), false)
                or count({code_commune}) filter (where not {special})
                    > count(distinct {code_commune}) filter (where not {special})
            from {cells}
            """,
            [layout.records, str(source), layout.separator],
        ).fetchall()[0]  # fetched to the end: DuckDB runs nothing else on a cursor with a pending result
        if not checks[0] or checks[1]:
            return None
        result = cursor.execute(
            f"""
            select {code_commune} as code_commune, coalesce({name}, '') as libelle_commune, {special} as est_special
                {"".join(f", {value} as n{i}" for i, (value, _refused) in enumerate(counts))}
            from {cells}
            """,
            [str(source), layout.separator],
        ).fetchnumpy()
    wide = pd.DataFrame({
        "annee": np.full(layout.records, year, dtype="int32"),
        "code_commune": pd.Series(result["code_commune"], dtype="str"),
        "libelle_commune": pd.Series([label.strip() for label in result["libelle_commune"]], dtype="str"),
        "est_special": result["est_special"].astype(bool),
        "ligne": np.arange(2, layout.records + 2, dtype="int64"),  # the header is line 1, no blank line
    })
    for i, variable in enumerate(variables):
        n = result[f"n{i}"]
        mask = np.ma.getmaskarray(n)
        wide[variable] = pd.arrays.IntegerArray((n.filled(0) if np.ma.isMaskedArray(n) else n).astype("int64"), mask.copy())
    wide.attrs[quality.HEADERS_ATTR] = {"code_commune": columns["codes_insee"], **{v: columns[v] for v in variables}}
    return wide


def variables_of(frame_or_columns) -> list[str]:
    return [c for c in frame_or_columns if c not in KEY_COLUMNS and c not in ID_COLUMNS]


def to_long(wide: pd.DataFrame, theme: LegacyTheme) -> SqlRows:
    """The rows of the raw table `raw.caf_legacy`: one per commune and variable, a masked cell
    included (NULL). Unpivoted by DuckDB straight from the reader's frame."""
    variables = ", ".join(f'"{v}"' for v in variables_of(wide))
    theme_name = theme.theme.replace("'", "''")
    return SqlRows(wide, f"""
        select '{theme_name}' as theme, annee, code_commune, libelle_commune, est_special, variable,
               cast(valeur as bigint) as valeur, ligne
        from reader_frame unpivot include nulls (valeur for variable in ({variables}))
    """)
