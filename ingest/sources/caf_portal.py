"""CAF open data, current portal (December 2020 onwards): `s_ben_com_f`, `rsa_s_type_com_f`,
`ndur_s_qf_400_com_f`, exported as `;` CSV with technical field names (`dtreffre`,
`numcomdo`, `indfoy_ndur`) or French labels (`Date référence`, `Numéro commune`,
`Nombre foyers NDUR`); both are accepted. Counts are rounded to the nearest 5 and amounts to
100 € by the CAF: figures built on them are flagged approximate downstream.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from ingest import quality
from ingest.csvfile import (
    LINE_COLUMN,
    PlainLayout,
    TextTable,
    distinct_texts,
    first_row_where,
    parse_numbers,
    plain_layout,
    read_text_table,
    scan_plain_file,
)
from ingest.errors import ContractError
from ingest.geo import (
    SPECIAL_CODES,
    check_known_departements,
    commune_code_sql,
    normalise_commune_codes,
    reject_duplicates,
)
from ingest.load import SqlRows
from ingest.quality import HEADERS_ATTR

# Each data set's breakdown column and the fields the warehouse stages (every `ind…` field is loaded).
DATASETS = {
    "s_ben_com_f": {
        "dimension": None,
        "variables": [
            "indfoy_ndur", "indnbp_ndur", "indfoy_rsa", "indmtt_rsa", "indfoy_ppa", "indmtt_ppa", "indfoy_aah",
            "indfoy_aeeh", "indfoy_af", "indfoy_cf", "indfoy_asf", "indfoy_ab", "indfoy_cmg", "indfoy_apl",
            "indfoy_als", "indfoy_alf", "indfoy_ndural", "indfoy_ndurpaje",
        ],
    },
    "rsa_s_type_com_f": {"dimension": "rsa_type", "variables": ["indfoy_rsa", "indnbp_rsa"]},
    "ndur_s_qf_400_com_f": {"dimension": "qf_400", "variables": ["indfoy_ndur", "indnbp_ndur"]},
}
FILE_NAME = re.compile(r"(?P<dataset>s_ben_com_f|rsa_s_type_com_f|ndur_s_qf_400_com_f)", re.IGNORECASE)
VALUE_COLUMN = re.compile(r"^ind(?:foy|nbp|mtt)_[a-z0-9_]+$")
LABELS = {
    "date reference": "dtreffre",
    "date de reference": "dtreffre",
    "numero commune": "numcomdo",
    "numero de commune": "numcomdo",
    "code commune": "numcomdo",
    "nom commune": "nomcom",
    "nom de la commune": "nomcom",
    "type rsa": "rsa_type",
    "type de rsa": "rsa_type",
    "quotient familial": "qf_400",
    "tranche de quotient familial": "qf_400",
    "qf 400": "qf_400",
}
LABEL_PATTERNS = [
    (re.compile(r"^nombre (?:de )?foyers (?:allocataires )?(.+)$"), "indfoy_"),
    (re.compile(r"^nombre (?:de )?personnes (?:couvertes )?(.+)$"), "indnbp_"),
    (re.compile(r"^montant (?:total )?(.+)$"), "indmtt_"),
]


def simplify(label: str) -> str:
    text = unicodedata.normalize("NFKD", label).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


def technical_name(header: str) -> str:
    """`indfoy_ndur` stays; `Nombre foyers NDUR` becomes `indfoy_ndur`."""
    plain = header.strip().lower()
    if plain in {"dtreffre", "numcomdo", "nomcom", "rsa_type", "qf_400"} or VALUE_COLUMN.match(plain):
        return plain
    simple = simplify(header)
    if simple in LABELS:
        return LABELS[simple]
    for pattern, prefix in LABEL_PATTERNS:
        if match := pattern.match(simple):
            return prefix + match[1].replace(" ", "_")
    return plain


def dataset_of(path: Path, header: list[str]) -> str | None:
    if match := FILE_NAME.search(path.name):
        return match["dataset"].lower()
    names = {technical_name(h) for h in header}
    if {"dtreffre", "numcomdo"} <= names:
        if "rsa_type" in names:
            return "rsa_s_type_com_f"
        if "qf_400" in names:
            return "ndur_s_qf_400_com_f"
        if "indfoy_ndur" in names:
            return "s_ben_com_f"
    return None


def reference_month(table: TextTable, header: str) -> tuple[pd.Series, pd.Series]:
    """`2021-12`, `202112` or `2021-12-31` -> (year, month)."""
    column = table.frame[header]
    codes, distinct = distinct_texts(column)  # one date a file, most often
    text = distinct.str.strip()
    parts = text.str.extract(r"^(?P<year>(?:19|20)\d\d)-?(?P<month>0[1-9]|1[0-2])(?:-\d\d)?$")
    bad = parts["year"].isna()
    if bad.any():
        first = first_row_where(codes, bad)
        raise ContractError.single(
            table.path, "date_reference", f"date de référence illisible « {column.iloc[first].strip()} » (attendu AAAA-MM)",
            line=int(table.frame[LINE_COLUMN].iloc[first]), column=header,
        )
    years, months = parts["year"].astype(int).to_numpy(), parts["month"].astype(int).to_numpy()
    return pd.Series(years[codes], index=column.index), pd.Series(months[codes], index=column.index)


def portal_columns(headers: list[str], dataset: str) -> tuple[dict[str, str], list[str], list[str]]:
    """The file's columns by technical name, its value fields (sorted), and the required
    columns it lacks."""
    names = {technical_name(h): h for h in headers if h != LINE_COLUMN}
    dimension = DATASETS[dataset]["dimension"]
    required = ["dtreffre", "numcomdo"] + ([dimension] if dimension else [])
    missing = [c for c in required if c not in names]
    values = sorted(n for n in names if VALUE_COLUMN.match(n))
    if dataset == "s_ben_com_f" and "indfoy_ndur" not in values:
        missing.append("indfoy_ndur")
    return names, values, missing


def read_portal_file(path: Path, dataset: str) -> pd.DataFrame:
    """Wide frame: annee, mois, code_commune, libelle_commune, dimension, est_special, ligne,
    then one float column per `ind…` field (technical names).

    DuckDB reads a plain file and checks it in one query (`read_plain_portal_file`); a file it
    finds anything wrong or unusual in is read again here, so that each problem is named with
    its line and column."""
    layout = plain_layout(path)
    if layout is not None and (wide := read_plain_portal_file(path, layout, dataset)) is not None:
        return wide
    table = read_text_table(path, separators=";,")
    names, values, missing = portal_columns(list(table.frame.columns), dataset)
    dimension = DATASETS[dataset]["dimension"]
    if missing or not values:
        raise ContractError.single(
            path, "colonne_obligatoire",
            f"colonne obligatoire absente : {', '.join(missing) or 'ind…'} (colonnes lues : {', '.join(names.values())})",
            line=table.header_line, column=(missing or ["ind…"])[0],
        )
    codes = normalise_commune_codes(table, names["numcomdo"])
    check_known_departements(table, codes, names["numcomdo"])
    years, months = reference_month(table, names["dtreffre"])
    dimension_values = table.frame[names[dimension]].str.strip() if dimension else pd.Series("", index=codes.index)
    is_special = codes.isin(SPECIAL_CODES)
    keys = pd.DataFrame({"code": codes, "year": years, "month": months, "dim": dimension_values})[~is_special]
    reject_duplicates(table, keys, names["numcomdo"], "commune présente deux fois pour la même date")
    wide = pd.DataFrame(
        {
            "annee": years.astype("int32"),
            "mois": months.astype("int32"),
            "code_commune": codes,
            "libelle_commune": table.frame[names["nomcom"]].str.strip() if "nomcom" in names else None,
            "dimension": dimension_values,
            "est_special": is_special,
            "ligne": table.frame[LINE_COLUMN],
        }
    )
    for value in values:
        wide[value] = parse_numbers(table, names[value], allow_blank=False, non_negative=True)
    wide.attrs[HEADERS_ATTR] = {"code_commune": names["numcomdo"], **{v: names[v] for v in values}}
    return wide


PLAIN_DATE = r"^(?:19|20)[0-9]{2}-?(?:0[1-9]|1[0-2])(?:-[0-9]{2})?$"


def read_plain_portal_file(path: Path, layout: PlainLayout, dataset: str) -> pd.DataFrame | None:
    """read_portal_file's frame, read and checked by DuckDB in one pass; None when any cell
    breaks a rule or looks unusual (a value that is not plain digits, a code or a date the
    Python reader would have to judge, a duplicate), so that the Python reader names it."""
    names, values, missing = portal_columns(layout.header, dataset)
    if missing or not values:
        return None
    position = {header: f"c{index}" for index, header in enumerate(layout.header)}
    column = {name: position[header] for name, header in names.items()}
    dimension = DATASETS[dataset]["dimension"]
    code, special, code_refused = commune_code_sql(column["numcomdo"])
    date = f"trim(coalesce({column['dtreffre']}, ''))"
    # Plain digits only: any other number (decimals, spaces, a sign) is the Python reader's,
    # so that both readers give the very same floats.
    plain_values = [f"trim(coalesce({column[value]}, ''))" for value in values]
    refused = " or ".join([
        code_refused,
        f"not regexp_full_match({date}, '{PLAIN_DATE}')",
        *(f"not regexp_full_match({text}, '[0-9]{{1,15}}')" for text in plain_values),
    ])
    result = scan_plain_file(path, layout, f"""
        {code} as code_commune, {special} as est_special, coalesce({refused}, true) as refuse,
        try_cast(left({date}, 4) as integer) as annee,
        try_cast(regexp_extract({date}, '^[0-9]{{4}}-?([0-9]{{2}})', 1) as integer) as mois,
        {f"coalesce({column['nomcom']}, '')" if "nomcom" in names else "''"} as libelle_commune,
        {f"coalesce({column[dimension]}, '')" if dimension else "''"} as dimension
        {"".join(f", try_cast({text} as double) as v{i}" for i, text in enumerate(plain_values))}
    """)
    if result is None or len(result["refuse"]) != layout.records or result["refuse"].any():
        return None
    codes = pd.Series(result["code_commune"], dtype="str")
    is_special = result["est_special"].astype(bool)
    dimension_values = pd.Series([text.strip() for text in result["dimension"]], dtype="str")
    keys = pd.DataFrame({"code": codes, "year": result["annee"], "month": result["mois"], "dim": dimension_values})
    if keys[~is_special].duplicated().any():
        return None
    wide = pd.DataFrame({
        "annee": result["annee"].astype("int32"),
        "mois": result["mois"].astype("int32"),
        "code_commune": codes,
        "libelle_commune": (pd.Series([text.strip() for text in result["libelle_commune"]], dtype="str")
                            if "nomcom" in names else None),
        "dimension": dimension_values,
        "est_special": is_special,
        "ligne": np.arange(2, layout.records + 2, dtype="int64"),  # the header is line 1, no blank line
    })
    for i, value in enumerate(values):
        wide[value] = pd.array(result[f"v{i}"], dtype="Float64")
    wide.attrs[HEADERS_ATTR] = {"code_commune": names["numcomdo"], **{v: names[v] for v in values}}
    return wide


def value_columns(frame: pd.DataFrame) -> list[str]:
    return [c for c in frame.columns if VALUE_COLUMN.match(c)]


def to_long(wide: pd.DataFrame, dataset: str) -> SqlRows:
    """One row per commune, dimension and variable (a masked cell included), unpivoted by DuckDB."""
    variables = ", ".join(f'"{v}"' for v in value_columns(wide))
    name = dataset.replace("'", "''")
    return SqlRows(wide, f"""
        select '{name}' as jeu, annee, mois, code_commune, libelle_commune, dimension, est_special, variable,
               valeur, ligne
        from reader_frame unpivot include nulls (valeur for variable in ({variables}))
    """)


def benefit_rules(frame: pd.DataFrame) -> list[quality.Rule]:
    """Households receiving a benefit are among the households paid (`indfoy_ndur`)."""
    if "indfoy_ndur" not in frame:
        return []
    return [
        quality.at_most(column, "indfoy_ndur", f"{column}_au_plus_foyers",
                        f"{column} dépasse le nombre de foyers allocataires indfoy_ndur")
        for column in value_columns(frame)
        if column.startswith("indfoy_") and column != "indfoy_ndur"
    ]
