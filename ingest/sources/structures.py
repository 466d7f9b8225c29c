"""Inventory of family-service structures (ours), their yearly activity and their CAF funding.

Kept by the CTG coordination (Annexe 2 of the convention lists the current structures), as
CSV (`;` or `,`, UTF-8 or CP1252) or as the first sheet of an .xlsx workbook. Three kinds of
file, each recognised by its header (SOURCES.md §6):

- inventory: one row per structure or service (`structure_id`, `type`, `nom`, `commune_insee`,
  ...). The types are a closed list (TYPES, published as the dbt seed `types_structures`); a
  file may hold every type, or only some (one file per kind of structure);
- activity: `structure_id;annee;mesure;valeur`, measures in MEASURES, plus
  `enfants_inscrits_commune_<insee>` (children by commune of residence);
- funding: `structure_id;commune_insee;annee;dispositif;montant_eur`, schemes in SCHEMES, and
  optionally `nb_actions`: the actions or projects the line funds (REAAP actions, FPT
  projects); a line without it counts as one.

Dates are ISO (`AAAA-MM-JJ`) or French (`JJ/MM/AAAA`); booleans `true`/`false`, `oui`/`non`
or `1`/`0`; decimals with a point or a comma. Rules that need the rows of another file (an
activity row for a structure the inventory lacks) run against the build database, after the
inventory is loaded (`unknown_structures`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace
from pathlib import Path

import duckdb
import pandas as pd

from ingest import quality
from ingest.cells import (
    as_days,
    booleans,
    closed_codes,
    code_lists,
    code_of,
    commune_codes,
    dates,
    fail,
    read_table,
    required_text,
    text_column,
)
from ingest.csvfile import LINE_COLUMN, TextTable, map_columns, parse_counts, parse_numbers
from ingest.errors import ContractError, ContractViolation
from ingest.geo import reject_duplicates
from ingest.quality import HEADERS_ATTR

# code: (French label, family, places required: EAJE, micro-crèche and MAM have an agrément)
TYPES: dict[str, tuple[str, str, bool]] = {
    "EAJE": ("Établissement d'accueil du jeune enfant", "petite_enfance", True),
    "MICRO_CRECHE_PAJE": ("Micro-crèche PAJE", "petite_enfance", True),
    "MAM": ("Maison d'assistants maternels", "petite_enfance", True),
    "RPE": ("Relais petite enfance", "petite_enfance", False),
    "LAEP": ("Lieu d'accueil enfants-parents", "parentalite", False),
    "ALSH": ("Accueil de loisirs sans hébergement", "enfance_jeunesse", False),
    "CLAS": ("Contrat local d'accompagnement à la scolarité", "parentalite", False),
    "CENTRE_SOCIAL": ("Centre social", "animation_vie_sociale", False),
    "EVS": ("Espace de vie sociale", "animation_vie_sociale", False),
    "ESPACE_JEUNES": ("Espace jeunes", "enfance_jeunesse", False),
    "COORDINATION": ("Poste de coordination enfance jeunesse", "pilotage", False),
    "SEJOURS": ("Séjours", "enfance_jeunesse", False),
    "FORMATION_BAFA": ("Formation BAFA / BAFD", "enfance_jeunesse", False),
}
# Other names found in coordinators' spreadsheets for the types of the closed list.
TYPE_ALIASES = {
    "RAM": "RPE", "RELAIS_PETITE_ENFANCE": "RPE", "RELAIS_ASSISTANTS_MATERNELS": "RPE",
    "MICRO_CRECHE": "MICRO_CRECHE_PAJE", "MICROCRECHE": "MICRO_CRECHE_PAJE", "MICROCRECHE_PAJE": "MICRO_CRECHE_PAJE",
    "ESPACE_DE_VIE_SOCIALE": "EVS", "CS": "CENTRE_SOCIAL", "BAFA": "FORMATION_BAFA", "BAFA_BAFD": "FORMATION_BAFA",
    "FORMATIONS_BAFA": "FORMATION_BAFA", "SEJOUR": "SEJOURS", "ACM": "ALSH", "ACCUEIL_DE_LOISIRS": "ALSH",
    "MAISON_D_ASSISTANTS_MATERNELS": "MAM", "LIEU_D_ACCUEIL_ENFANTS_PARENTS": "LAEP", "POSTE_DE_COORDINATION": "COORDINATION",
}
FAMILIES = {
    "petite_enfance": "Petite enfance",
    "parentalite": "Parentalité",
    "enfance_jeunesse": "Enfance jeunesse",
    "animation_vie_sociale": "Animation de la vie sociale",
    "pilotage": "Pilotage et coordination",
}
MAM_MAX_PLACES = 16  # a MAM gathers at most 4 assistants maternels of 4 children each
AGREMENTS = ("AGC", "EVS", "PROJET")  # stored lower-case for `projet`, as SOURCES.md spells it
ZONES = ("QPV", "ZSP")
DISPOSITIFS = ("ACF", "REAAP", "LAEP", "CLAS", "PS_JEUNES", "NUMERIQUE", "CULTURE", "COLO", "DD")
ALSH_TIMES = ("periscolaire", "mercredi", "extrascolaire", "ete")
# Managers: an open list; the usual spellings are brought to one word.
GESTIONNAIRES = {
    "municipal": "municipal", "commune": "municipal", "mairie": "municipal", "municipale": "municipal",
    "ccas": "CCAS", "association": "association", "sivu": "SIVU", "centre_social": "centre_social",
    "entreprise": "entreprise", "intercommunal": "intercommunal", "epci": "intercommunal",
}
MEASURES = {
    "places": "places (agrément ou places ouvertes de l'année)",
    "etp": "équivalents temps plein",
    "jours_ouverture": "jours d'ouverture dans l'année",
    "taux_occupation": "taux d'occupation (%)",
    "enfants_inscrits": "enfants inscrits",
    "heures_realisees": "heures réalisées",
    "heures_facturees": "heures facturées",
}
MEASURE_BY_COMMUNE = re.compile(r"^enfants_inscrits_commune_(?P<code>\d{5}|2[ab]\d{3})$")
SCHEMES = {
    "PS": "prestation de service",
    "BONUS_CTG": "bonus territoire CTG",
    "CEJ": "contrat enfance jeunesse",
    "INVESTISSEMENT": "subvention d'investissement",
    "FPT": "fonds publics et territoires",
    "REAAP": "REAAP",
    "CLAS": "CLAS",
    "AVS": "subvention de fonctionnement animation de la vie sociale",
    "AUTRE": "autre",
}

INVENTORY_REQUIRED = ["structure_id", "type", "nom", "commune_insee"]
INVENTORY_OPTIONAL = ["sous_type", "adresse", "gestionnaire", "places", "psu", "etp", "date_ouverture",
                      "date_fermeture", "agrement", "zone", "dispositifs", *ALSH_TIMES]
ACTIVITY_COLUMNS = ["structure_id", "annee", "mesure", "valeur"]
FUNDING_REQUIRED = ["annee", "dispositif", "montant_eur"]
FUNDING_OPTIONAL = ["structure_id", "commune_insee", "nb_actions"]
ALIASES = {"code_commune": "commune_insee", "montant": "montant_eur", "nb_projets": "nb_actions"}

INVENTORY_COLUMNS_DDL = (
    "structure_id varchar not null, type varchar not null, sous_type varchar, nom varchar not null, adresse varchar, "
    "code_commune varchar not null, gestionnaire varchar, gestionnaire_nature varchar, places integer, psu boolean, "
    "etp double, date_ouverture date, date_fermeture date, agrement varchar, zone varchar, dispositifs varchar, "
    "periscolaire boolean, mercredi boolean, extrascolaire boolean, ete boolean, ligne bigint not null"
)
ACTIVITY_COLUMNS_DDL = (
    "structure_id varchar not null, annee integer not null, mesure varchar not null, "
    "code_commune_residence varchar, valeur double not null, ligne bigint not null"
)
FUNDING_COLUMNS_DDL = (
    "structure_id varchar, code_commune varchar, annee integer not null, dispositif varchar not null, "
    "montant_eur double not null, nb_actions integer, ligne bigint not null"
)


def looks_like_inventory(header: set[str]) -> bool:
    return {"structure_id", "type", "nom"} <= header


def looks_like_activity(header: set[str]) -> bool:
    return set(ACTIVITY_COLUMNS) <= header


def looks_like_funding(header: set[str]) -> bool:
    return {"annee", "dispositif"} <= header and bool({"montant_eur", "montant"} & header)


def structure_ids(table: TextTable, header: str, allow_blank: bool = False) -> pd.Series:
    values = text_column(table, header) if allow_blank else required_text(table, header)
    return values.str.upper()


def read_inventory(path: Path) -> pd.DataFrame:
    table = read_table(path)
    columns = map_columns(table, INVENTORY_REQUIRED, INVENTORY_OPTIONAL, ALIASES)
    get = columns.get
    ids = structure_ids(table, columns["structure_id"])
    reject_duplicates(table, pd.DataFrame({"id": ids}), columns["structure_id"], "structure")
    codes = commune_codes(table, columns["commune_insee"])
    if codes.isna().any():
        raise fail(table, codes.isna().idxmax(), columns["commune_insee"], "valeur_obligatoire",
                   "valeur vide dans une colonne obligatoire")
    agrements = closed_codes(table, get("agrement"), AGREMENTS, "agrement_connu", "agrément", allow_blank=True) \
        if get("agrement") else pd.Series(pd.NA, index=table.frame.index, dtype="string")
    managers = text_column(table, get("gestionnaire"))
    frame = pd.DataFrame({
        "structure_id": ids,
        "type": closed_codes(table, columns["type"], TYPES, "type_connu", "type de structure", aliases=TYPE_ALIASES),
        "sous_type": text_column(table, get("sous_type")),
        "nom": required_text(table, columns["nom"]),
        "adresse": text_column(table, get("adresse")),
        "code_commune": codes,
        "gestionnaire": managers,
        "gestionnaire_nature": managers.map(lambda m: GESTIONNAIRES.get(code_of(m).lower(), m), na_action="ignore")
        .astype("string"),
        "places": parse_counts(table, "places", get("places"), allow_blank=True) if get("places")
        else pd.Series(pd.NA, index=table.frame.index, dtype="Int64"),
        "psu": booleans(table, get("psu")),
        "etp": parse_numbers(table, get("etp"), non_negative=True) if get("etp")
        else pd.Series(pd.NA, index=table.frame.index, dtype="Float64"),
        "date_ouverture": dates(table, get("date_ouverture")),
        "date_fermeture": dates(table, get("date_fermeture")),
        "agrement": agrements.str.lower().replace({"agc": "AGC", "evs": "EVS"}),
        "zone": code_lists(table, get("zone"), ZONES, "zone_connue", "zone", words=True),
        "dispositifs": code_lists(table, get("dispositifs"), DISPOSITIFS, "dispositif_connu", "dispositif"),
        **{time: booleans(table, get(time)) for time in ALSH_TIMES},
        "ligne": table.frame[LINE_COLUMN],
    })
    frame.attrs[HEADERS_ATTR] = {name: columns[name] for name in columns} | {"code_commune": columns["commune_insee"]}
    return frame


def inventory_rules() -> list[quality.Rule]:
    with_places = [t for t, (_label, _family, places) in TYPES.items() if places]
    condition = quality.where("type", *with_places)
    return [
        quality.rule("places_agrement", f"places absentes ou nulles pour un {', '.join(with_places)} (agrément)",
                     "ExpectColumnValuesToNotBeNull", column="places", row_condition=condition),
        quality.rule("places_positives", "nombre de places nul ou négatif", "ExpectColumnValuesToBeBetween",
                     column="places", min_value=1, row_condition=condition),
        quality.rule("places_mam", f"une MAM accueille au plus {MAM_MAX_PLACES} enfants", "ExpectColumnValuesToBeBetween",
                     column="places", max_value=MAM_MAX_PLACES, row_condition=quality.where("type", "MAM")),
        quality.rule("etp_plausible", "ETP invraisemblable pour une structure (plus de 50)", "ExpectColumnValuesToBeBetween",
                     column="etp", min_value=0, max_value=50),
        # Reported on the opening date (GX names a pair's second column): the fix may be either.
        quality.rule("fermeture_apres_ouverture", "date d'ouverture postérieure à la date de fermeture",
                     "ExpectColumnPairValuesAToBeGreaterThanB", column_A="date_fermeture", column_B="date_ouverture",
                     or_equal=True, ignore_row_if="either_value_is_missing"),
    ]


def inventory_unit(frame: pd.DataFrame) -> tuple[str, dict[str, object]]:
    """A file is the inventory of the types it holds: a new file replaces those types only,
    so that the inventory may be kept in one file or in one file per kind of structure."""
    types = sorted(frame["type"].unique())
    return f"inventaire/{','.join(types)}", {("type",): [(t,) for t in types]}


def inventory_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return as_days(frame, ("date_ouverture", "date_fermeture"))


def read_activity(path: Path) -> pd.DataFrame:
    table = read_table(path)
    columns = map_columns(table, ACTIVITY_COLUMNS)
    ids = structure_ids(table, columns["structure_id"])
    years = parse_counts(table, "annee", columns["annee"], allow_blank=False)
    measures = table.frame[columns["mesure"]].str.strip().str.lower()
    by_commune = measures.str.extract(MEASURE_BY_COMMUNE)["code"].str.upper()
    unknown = ~measures.isin(list(MEASURES)) & by_commune.isna()
    if unknown.any():
        first = unknown.idxmax()
        raise fail(table, first, columns["mesure"], "mesure_connue",
                   f"mesure inconnue « {table.frame.at[first, columns['mesure']]} » "
                   f"(attendues : {', '.join(MEASURES)}, enfants_inscrits_commune_<code INSEE>)")
    values = parse_numbers(table, columns["valeur"], allow_blank=False, non_negative=True)
    reject_duplicates(table, pd.DataFrame({"id": ids, "annee": years, "mesure": measures}), columns["mesure"],
                      "mesure (structure / année / mesure)")
    frame = pd.DataFrame({
        "structure_id": ids,
        "annee": years.astype("int32"),
        "mesure": measures.where(by_commune.isna(), "enfants_inscrits_commune"),
        "code_commune_residence": by_commune.astype("string"),
        "valeur": values.astype("float64"),
        "ligne": table.frame[LINE_COLUMN],
    })
    frame.attrs[HEADERS_ATTR] = {name: columns[name] for name in ACTIVITY_COLUMNS}
    return frame


def activity_rules() -> list[quality.Rule]:
    return [
        quality.rule("annee_plausible", "année hors de 1990–2100", "ExpectColumnValuesToBeBetween",
                     column="annee", min_value=1990, max_value=2100),
        quality.rule("taux_occupation", "taux d'occupation hors de 0–100 %", "ExpectColumnValuesToBeBetween",
                     column="valeur", min_value=0, max_value=100, row_condition=quality.where("mesure", "taux_occupation")),
        quality.rule("jours_ouverture", "nombre de jours d'ouverture hors de 0–366", "ExpectColumnValuesToBeBetween",
                     column="valeur", min_value=0, max_value=366, row_condition=quality.where("mesure", "jours_ouverture")),
    ]


def activity_unit(frame: pd.DataFrame) -> tuple[str, dict[str, object]]:
    """A file replaces the (year, structure) pairs it holds: a file per year, or per kind of
    structure, leaves the others alone; two files giving the same pair are refused."""
    pairs = sorted({(int(y), str(s)) for y, s in zip(frame["annee"], frame["structure_id"], strict=True)})
    years = sorted({y for y, _s in pairs})
    digest = hashlib.sha256(repr(pairs).encode()).hexdigest()[:8]
    return (f"activite/{','.join(map(str, years))}/{len({s for _y, s in pairs})} structures/{digest}",
            {("annee", "structure_id"): pairs})


def read_funding(path: Path) -> pd.DataFrame:
    table = read_table(path)
    columns = map_columns(table, FUNDING_REQUIRED, FUNDING_OPTIONAL, ALIASES)
    get = columns.get
    if not (get("structure_id") or get("commune_insee")):
        raise ContractError.single(path, "colonne_obligatoire", "colonne obligatoire absente : structure_id ou commune_insee",
                                   line=table.header_line, column="structure_id")
    ids = structure_ids(table, get("structure_id"), allow_blank=True) if get("structure_id") \
        else pd.Series(pd.NA, index=table.frame.index, dtype="string")
    codes = commune_codes(table, get("commune_insee")) if get("commune_insee") \
        else pd.Series(pd.NA, index=table.frame.index, dtype="string")
    neither = ids.isna() & codes.isna()
    if neither.any():
        raise fail(table, neither.idxmax(), get("structure_id") or get("commune_insee"), "valeur_obligatoire",
                   "ni structure ni commune : chaque financement est rattaché à une structure ou à une commune")
    years = parse_counts(table, "annee", columns["annee"], allow_blank=False)
    schemes = closed_codes(table, columns["dispositif"], SCHEMES, "dispositif_connu", "dispositif de financement")
    reject_duplicates(
        table, pd.DataFrame({"id": ids.fillna(""), "commune": codes.fillna(""), "annee": years, "dispositif": schemes}),
        columns["dispositif"], "financement (structure ou commune / année / dispositif)",
    )
    # "83 296,50 €": the currency sign a spreadsheet adds is not part of the amount.
    amounts = table.frame[columns["montant_eur"]].str.replace("€", "", regex=False).str.replace("EUR", "", regex=False)
    euros = replace(table, frame=table.frame.assign(**{columns["montant_eur"]: amounts}))
    frame = pd.DataFrame({
        "structure_id": ids,
        "code_commune": codes,
        "annee": years.astype("int32"),
        "dispositif": schemes,
        "montant_eur": parse_numbers(euros, columns["montant_eur"], allow_blank=False).astype("float64"),
        "nb_actions": parse_counts(table, "nb_actions", get("nb_actions"), allow_blank=True) if get("nb_actions")
        else pd.Series(pd.NA, index=table.frame.index, dtype="Int64"),
        "ligne": table.frame[LINE_COLUMN],
    })
    frame.attrs[HEADERS_ATTR] = {name: columns[name] for name in columns} | (
        {"code_commune": columns["commune_insee"]} if get("commune_insee") else {})
    return frame


def funding_rules() -> list[quality.Rule]:
    return [
        quality.rule("annee_plausible", "année hors de 1990–2100", "ExpectColumnValuesToBeBetween",
                     column="annee", min_value=1990, max_value=2100),
        quality.rule("montant_plausible", "montant invraisemblable (plus de 100 millions d'euros)",
                     "ExpectColumnValuesToBeBetween", column="montant_eur", min_value=-1e8, max_value=1e8),
    ]


def unknown_structures(
    con: duckdb.DuckDBPyConnection, inventory_table: str, frame: pd.DataFrame, file_name: str
) -> list[ContractViolation]:
    """Rows naming a structure the loaded inventory lacks (a typo, a structure not yet added)."""
    known = {row[0] for row in con.execute(f"select distinct structure_id from {inventory_table}").fetchall()}
    unknown = frame[frame["structure_id"].notna() & ~frame["structure_id"].isin(known)]
    header = frame.attrs.get(HEADERS_ATTR, {}).get("structure_id", "structure_id")
    return [
        ContractViolation(file_name, "structure_connue",
                          f"structure inconnue de l'inventaire « {row.structure_id} » "
                          "(ajoutez-la à l'inventaire des structures ou corrigez son identifiant)",
                          line=int(row.ligne), column=header)
        for row in unknown.head(quality.MAX_EXAMPLES).itertuples()
    ]
