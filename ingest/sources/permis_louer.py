"""Permis de louer records of the communes and the CAF housing-allowance extract (ours; personal data).

Permis de louer (SOURCES.md §7): one row per application, as exported by the commune's
instruction tool (CSV or .xlsx, one file per commune or one for all): `dossier_id`, `regime`
(`APML` authorisation | `DML` declaration), `commune_insee`, `adresse`, `bailleur_nom`,
`bailleur_type`, `typologie`, `surface_m2`, the dates of the dossier's life (`date_depot`,
`date_complet`, `date_visite`, `date_decision`, `date_mise_en_conformite`, `date_bail`),
`resultat_visite` and `decision`. CAF housing-allowance extract: `adresse`, `commune_insee`,
`annee`, `foyers_al`.

`dossier_id`, `adresse` and `bailleur_nom` are personal: the registry replaces them by keyed
hashes before anything is written (ingest/personal.py). The address is hashed with its
commune (`62160 12 rue de la paix`), so that a dwelling is one token in both sources and two
streets of the same name in two communes are not one dwelling.

What breaks the file's structure (a missing column, an unknown regime or decision, a date
that is not one) refuses the file; what breaks a dossier's lifecycle (a decision before the
deposit, a refusal without a visit...) is kept, flagged and listed by dbt
(`marts.permis_louer_anomalies`), by pseudonymous dossier.
"""

from __future__ import annotations

import pandas as pd

from ingest.cells import as_days, closed_codes, commune_codes, dates, fail, read_table, required_text, text_column
from ingest.csvfile import LINE_COLUMN, map_columns, parse_counts, parse_numbers
from ingest.errors import ContractError
from ingest.geo import reject_duplicates
from ingest.personal import NORMALISERS
from ingest.quality import HEADERS_ATTR

REGIMES = ("APML", "DML")
DECISIONS = ("AUTORISATION", "AUTORISATION_SOUS_CONDITIONS", "REFUS", "REJET_IRRECEVABLE", "ACCORD_TACITE",
             "RECEPISSE_DML", "DESISTEMENT")
VISIT_RESULTS = ("CONFORME", "NON_CONFORME_MINEUR", "NON_CONFORME_MAJEUR", "DANGER")
OWNER_TYPES = ("PERSONNE_PHYSIQUE", "PERSONNE_MORALE")
TYPOLOGIES = ("T1", "T2", "T3", "T4", "T5_PLUS", "CHAMBRE")
TYPOLOGY_ALIASES = {"T5": "T5_PLUS", "T5PLUS": "T5_PLUS", "T6": "T5_PLUS", "T5_ET_PLUS": "T5_PLUS"}
DATE_COLUMNS = ("date_depot", "date_complet", "date_visite", "date_decision", "date_mise_en_conformite", "date_bail")

REQUIRED = ["dossier_id", "regime", "commune_insee", "adresse", "date_depot"]
OPTIONAL = ["bailleur_nom", "bailleur_type", "typologie", "surface_m2", "resultat_visite", "decision", "travaux",
            *[c for c in DATE_COLUMNS if c != "date_depot"]]
IDENTIFYING = {"dossier_id": "identifiant", "adresse": "adresse", "bailleur_nom": "texte"}

PERMIS_COLUMNS_DDL = (
    "dossier_id varchar not null, regime varchar not null, code_commune varchar not null, adresse varchar not null, "
    "bailleur_nom varchar, bailleur_type varchar, typologie varchar, surface_m2 double, "
    "date_depot date not null, date_complet date, date_visite date, resultat_visite varchar, date_decision date, "
    "decision varchar, travaux boolean, date_mise_en_conformite date, date_bail date, ligne bigint not null"
)
AL_COLUMNS = ["adresse", "commune_insee", "annee", "foyers_al"]
AL_COLUMNS_DDL = (
    "adresse varchar not null, code_commune varchar not null, annee integer not null, foyers_al bigint not null, "
    "ligne bigint not null"
)


def looks_like_permis(header: set[str]) -> bool:
    return {"dossier_id", "regime", "date_depot"} <= header


def looks_like_allowance(header: set[str]) -> bool:
    return {"adresse", "annee", "foyers_al"} <= header


def with_commune(codes: pd.Series, addresses: pd.Series) -> pd.Series:
    """The address a token is made of: its commune first (see the module's docstring)."""
    return (codes.astype(str) + " " + addresses.astype(str)).where(addresses.notna())


def read_permis(path) -> pd.DataFrame:
    table = read_table(path)
    columns = map_columns(table, REQUIRED, OPTIONAL, {"code_commune": "commune_insee"})
    get = columns.get
    blank_text = pd.Series(pd.NA, index=table.frame.index, dtype="string")
    ids = required_text(table, columns["dossier_id"])
    # Compared as they will be hashed: "PDL-2021-7" and "pdl 2021 7" are one dossier.
    reject_duplicates(table, pd.DataFrame({"id": ids.map(NORMALISERS["identifiant"])}), columns["dossier_id"], "dossier")
    codes = commune_codes(table, columns["commune_insee"])
    if codes.isna().any():
        raise fail(table, codes.isna().idxmax(), columns["commune_insee"], "valeur_obligatoire",
                   "valeur vide dans une colonne obligatoire")
    addresses = required_text(table, columns["adresse"])

    def closed(name, allowed, rule, what, aliases=None):
        if not get(name):
            return blank_text
        return closed_codes(table, get(name), allowed, rule, what, allow_blank=True, aliases=aliases)

    travaux = text_column(table, get("travaux"))
    frame = pd.DataFrame({
        "dossier_id": ids,
        "regime": closed_codes(table, columns["regime"], REGIMES, "regime_connu", "régime"),
        "code_commune": codes,
        "adresse": with_commune(codes, addresses),
        "bailleur_nom": text_column(table, get("bailleur_nom")),
        "bailleur_type": closed("bailleur_type", OWNER_TYPES, "bailleur_type_connu", "type de bailleur"),
        "typologie": closed("typologie", TYPOLOGIES, "typologie_connue", "typologie", TYPOLOGY_ALIASES),
        "surface_m2": parse_numbers(table, get("surface_m2"), non_negative=True) if get("surface_m2")
        else pd.Series(pd.NA, index=table.frame.index, dtype="Float64"),
        **{name: dates(table, get(name)) for name in DATE_COLUMNS},
        "resultat_visite": closed("resultat_visite", VISIT_RESULTS, "resultat_visite_connu", "résultat de visite"),
        "decision": closed("decision", DECISIONS, "decision_connue", "décision"),
        # A refusal lists the works to do: any text (or "oui") in `travaux` says it does.
        "travaux": travaux.notna() & ~travaux.str.lower().isin(["non", "0", "false", "faux"]).fillna(False),
        "ligne": table.frame[LINE_COLUMN],
    })
    if frame["date_depot"].isna().any():
        raise fail(table, frame["date_depot"].isna().idxmax(), columns["date_depot"], "valeur_obligatoire",
                   "valeur vide dans une colonne obligatoire")
    frame.attrs[HEADERS_ATTR] = {name: columns[name] for name in columns} | {"code_commune": columns["commune_insee"]}
    return frame


def permis_unit(frame: pd.DataFrame) -> tuple[str, dict[str, object]]:
    """A file holds the records of the communes it names (one file per commune, or one for
    all): it replaces them; two files giving the same commune are refused."""
    communes = sorted(frame["code_commune"].unique())
    return f"permis/{','.join(communes)}", {("code_commune",): [(c,) for c in communes]}


def permis_rows(frame: pd.DataFrame) -> pd.DataFrame:
    return as_days(frame, DATE_COLUMNS)


def read_allowance(path) -> pd.DataFrame:
    table = read_table(path)
    columns = map_columns(table, AL_COLUMNS, aliases={"code_commune": "commune_insee"})
    codes = commune_codes(table, columns["commune_insee"])
    if codes.isna().any():
        raise ContractError.single(path, "valeur_obligatoire", "valeur vide dans une colonne obligatoire",
                                   line=int(table.frame.at[codes.isna().idxmax(), LINE_COLUMN]),
                                   column=columns["commune_insee"])
    addresses = required_text(table, columns["adresse"])
    years = parse_counts(table, "annee", columns["annee"], allow_blank=False)
    frame = pd.DataFrame({
        "adresse": with_commune(codes, addresses),
        "code_commune": codes,
        "annee": years.astype("int32"),
        "foyers_al": parse_counts(table, "foyers_al", columns["foyers_al"], allow_blank=False),
        "ligne": table.frame[LINE_COLUMN],
    })
    frame.attrs[HEADERS_ATTR] = {name: columns[name] for name in AL_COLUMNS} | {"code_commune": columns["commune_insee"]}
    return frame
