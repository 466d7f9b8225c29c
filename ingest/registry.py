"""The source registry: every fact about every source, in one place.

Discovery (which file is which source), the ingest step (reader, unit, Great Expectations
suite, raw table), the Dagster assets and their labels, `ctg validate`, and what dbt sees of
each source (its raw table, the staging models and the variables they pivot, see
`orchestration/transform/registry_sync.py`) are all derived from `SOURCES`.

Adding a source: a reader module in `ingest/sources/`, one `SourceSpec` below, its staging
model (then `make dbt-registry`). A source holding personal data sets `personal=True` and names
its identifying columns: they are replaced by keyed hashes before anything is written, and
no cell value of its files ever appears in a message (see `ingest/personal.py`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from ingest import quality
from ingest.errors import ContractError, ContractViolation
from ingest.extract import Extract
from ingest.sources import (
    caf_legacy,
    caf_onape,
    caf_partner,
    caf_portal,
    insee_births,
    insee_census,
    insee_populations,
    permis_louer,
    structures,
    suivi_plan,
    territory,
)

CheckInBuild = Callable[[duckdb.DuckDBPyConnection, pd.DataFrame, str], list[ContractViolation]]  # (build db, rows, file)
Recognise = Callable[[Path, Path | None], Extract | None]  # (file, landing root) -> extract
RecogniseHeader = Callable[[Path, list[str], Path | None], Extract | None]  # + lower-case header
CADENCES = ("annuelle", "trimestrielle", "mensuelle")  # how often a producer publishes (freshness checks)
NORMALISATIONS = ("adresse", "texte", "identifiant")  # see ingest.personal.NORMALISERS


@dataclass(frozen=True)
class CommuneModel:
    """A staging model of the source with one row per commune and year, seen by dbt.

    `prefix` names its columns in `int_communes__variables` (`rsa__nb_allocataire_rsa`); a
    model without one is staged but not joined there. `variables` are those the model pivots
    out of a long raw table (empty when its columns are fixed). `part` is the value of the
    source's `part_column` whose rows the model stages (a legacy theme, a portal data set).
    """

    model: str
    variables: tuple[str, ...] = ()
    prefix: str | None = None
    part: str | None = None


@dataclass(frozen=True)
class SourceSpec:
    name: str  # registry key; the raw table is raw.<name>, the Dagster asset raw/<name>
    label: str  # French, in progress lines and reports
    description: str  # French, for the Dagster asset and the dbt docs
    columns: str  # DDL of the raw table's own columns (load metadata is added)
    recognise: Recognise  # by file name
    read: Callable[[Extract], pd.DataFrame]  # the reader: structural contract, typed frame
    # Unit id and row filter: what a file of this source replaces (see ingest.load).
    unit: Callable[[Extract, pd.DataFrame | None], tuple[str, dict[str, object]]]
    suite: Callable[[Extract, pd.DataFrame], list[quality.Rule]] = lambda _e, _frame: []  # GX rules
    recognise_header: RecogniseHeader | None = None  # renamed CSVs, by their header
    rows: Callable[[Extract, pd.DataFrame], pd.DataFrame] = lambda _e, frame: frame  # rows to load
    unit_from_name: bool = False  # the unit is given by the file's name or folder, not its rows
    # Two files of the landing giving the same (year, variable) is an error, not an update:
    # for the partner extract, a re-download "(1)" may sort before the stale original.
    overlap_is_conflict: bool = False
    # Columns whose values, all together, cannot be the same for two years (unit_from_name
    # sources): a file re-saved under another year's name is refused even when its bytes differ.
    same_figures_columns: tuple[str, ...] = ()
    masking: str = "aucun"  # French: how the producer hides small counts
    # The staging models list the variables each file has (`variables_presentes`): a variable
    # absent from a file differs from one masked for every commune.
    lists_variables: bool = False
    staging: tuple[CommuneModel, ...] = ()
    personal: bool = False  # holds personal data: see ingest/personal.py
    identifying: Mapping[str, str] = field(default_factory=dict)  # column -> normalisation (personal)
    cadence: str = "annuelle"  # how often the producer publishes a new file (freshness checks)
    expected: bool = True  # a refresh without any file of it says so (the territory files are optional)
    # Rules that need what other sources loaded (an activity row for a structure of the
    # inventory): run on the build database before loading; `after` are those sources, whose
    # ingest assets run first.
    check_in_build: CheckInBuild | None = None
    after: tuple[str, ...] = ()
    # A later file corrects an earlier one on the rows they share: only new files are loaded,
    # oldest first (modification time), over what earlier ones loaded. Otherwise, when any
    # file is new, all are loaded again in path order.
    oldest_first: bool = False
    # Its rows of a year (column `annee`) feed only the figures of that year and of later ones
    # (a population is the denominator of the years up to the next one): when only some years
    # of it changed, a refresh recomputes the year-incremental models from the earliest of them
    # on (orchestration.incremental). Any other source that changed recomputes them whole.
    yearly: bool = False
    # A yearly source whose rows are of several kinds, each staged by one model (`part`): the
    # column naming the kind. When only some kinds changed, the models keyed by indicator
    # recompute only the indicators of those models' prefixes (orchestration.incremental).
    part_column: str | None = None

    @property
    def table(self) -> str:
        return f"raw.{self.name}"

    @property
    def asset_key(self) -> list[str]:
        return ["raw", self.name]

    @property
    def prefixes_by_part(self) -> dict[str, list[str]]:
        """Each kind of row (`part_column`) → the prefixes of `int_communes__variables` its
        staging model feeds (none for a kind staged but not joined there)."""
        return {m.part: [m.prefix] if m.prefix else [] for m in self.staging if m.part is not None}

    def __post_init__(self) -> None:
        if self.cadence not in CADENCES:
            raise ValueError(f"{self.name}: cadence {self.cadence!r} is not one of {CADENCES}")
        if self.personal and not self.identifying:
            raise ValueError(f"{self.name}: a personal source names its identifying columns")
        unknown = set(self.identifying.values()) - set(NORMALISATIONS)
        if unknown:
            raise ValueError(f"{self.name}: unknown normalisation {sorted(unknown)}, expected one of {NORMALISATIONS}")


def by_years(prefix: str, extra_filter: dict[str, object] | None = None, scope: str | None = None):
    """Unit of a file that may hold several years: it replaces those years (of its kind).

    With `scope` (a column such as `variable`), it replaces only the (year, value) pairs it
    holds: a partner extract with 2018 `am_actives` leaves 2018 `familles_afi` of another
    extract alone, and a census IRIS edition leaves the variables it lacks to the commune one.
    """

    def unit(_extract: Extract, frame: pd.DataFrame) -> tuple[str, dict[str, object]]:
        years = sorted(int(y) for y in frame["annee"].dropna().unique())
        name = f"{prefix}/{','.join(map(str, years))}"
        if scope is None:
            return name, {**(extra_filter or {}), "annee": years}
        pairs = sorted({(int(y), str(v)) for y, v in zip(frame["annee"], frame[scope], strict=False) if pd.notna(v)})
        name += "/" + ",".join(sorted({v for _y, v in pairs}))
        return name, {**(extra_filter or {}), ("annee", scope): pairs}

    return unit


def by_name_year(extract: Extract, _frame: pd.DataFrame | None) -> tuple[str, dict[str, object]]:
    return str(extract.year), {"annee": extract.year}


def year_rule() -> quality.Rule:
    return quality.rule("annee_plausible", "année hors de 1990–2100", "ExpectColumnValuesToBeBetween",
                        column="annee", min_value=1990, max_value=2100)


def real_commune_rule() -> quality.Rule:
    """Sources that have no special rows (XXXXX, 99999, blank), unlike the CAF's."""
    return quality.rule("code_commune", "code commune invalide (ligne sans commune réelle)",
                        "ExpectColumnValuesToMatchRegex", column="code_commune", regex=quality.COMMUNE)


def named(source: str, matches: Callable[[Path], bool]) -> Recognise:
    return lambda path, _root: Extract(source, path) if matches(path) else None


def headed(source: str, looks_like: Callable[[set[str]], bool]) -> RecogniseHeader:
    return lambda path, header, _root: Extract(source, path) if looks_like(set(header)) else None


def populations_extract(path: Path, root: Path | None) -> Extract:
    try:
        return Extract("insee_populations_legales", path, insee_populations.reference_year(path, root))
    except ContractError as error:
        return Extract("insee_populations_legales", path, error=error)


def legacy_extract(path: Path, _root: Path | None) -> Extract | None:
    if legacy := caf_legacy.match_file_name(path):
        theme, year = legacy
        return Extract("caf_legacy", path, year, theme.theme)
    return None


def territory_file(source: str, pattern) -> Recognise:
    def recognise(path: Path, _root: Path | None) -> Extract | None:
        match = pattern.match(path.name)
        return Extract(source, path, int(match["year"])) if match else None

    return recognise


def structure_in_inventory(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame, file_name: str) -> list[ContractViolation]:
    """Activity and funding rows name structures of the loaded inventory."""
    return structures.unknown_structures(con, "raw.structures_inventaire", frame, file_name)


# int_communes__variables joins these legacy themes under these prefixes (the others are staged only).
LEGACY_PREFIXES = {
    "config_familiale": "config", "nivcomtotal": "nivcom", "enfant_age": "enfage", "rsa": "rsa", "aah": "aah",
    "aeeh": "aeeh", "bas_revenu": "basrev", "dependance": "dependance", "paje": "paje",
}

SOURCE_LIST = [
    SourceSpec(
        name="insee_cog_communes",
        label="INSEE communes (COG)",
        description="Code officiel géographique de l'INSEE (v_commune_AAAA.csv) : noms officiels des communes.",
        columns="annee integer not null, code_commune varchar not null, libelle_commune varchar, dep_code varchar",
        recognise=territory_file("insee_cog_communes", territory.COG_FILE),
        read=lambda e: territory.read_cog_communes(e.path).assign(annee=e.year),
        unit=by_name_year,
        unit_from_name=True,
        expected=False,
    ),
    SourceSpec(
        name="insee_epci_composition",
        label="INSEE composition des EPCI",
        description="Composition communale des EPCI de l'INSEE (Intercommunalite_Metropole_au_01-01-AAAA.xlsx).",
        columns=(
            "annee integer not null, code_commune varchar not null, libelle_commune varchar, "
            "epci_siren varchar, epci_libelle varchar, dep_code varchar"
        ),
        recognise=territory_file("insee_epci_composition", territory.EPCI_FILE),
        read=lambda e: territory.read_epci_composition(e.path).assign(annee=e.year),
        unit=by_name_year,
        unit_from_name=True,
        expected=False,
    ),
    SourceSpec(
        name="caf_legacy",
        label="CAF fichiers communaux historiques",
        description=("Fichiers communaux historiques de la CAF (NIVCOMTOTAL, ConfigFamiliale, ...) : une ligne par "
                     "commune, les variables du thème dans les colonnes v01, v02..."),
        columns=caf_legacy.RAW_COLUMNS,
        recognise=legacy_extract,
        read=lambda e: caf_legacy.read_legacy_file(e.path, caf_legacy.THEMES[e.theme], e.year),
        unit=lambda e, _frame: (f"{e.theme}/{e.year}", {"theme": e.theme, "annee": e.year}),
        unit_from_name=True,
        suite=lambda e, frame: [*caf_legacy.THEMES[e.theme].suite(caf_legacy.variables_of(frame)),
                                *quality.plausible_counts(caf_legacy.variables_of(frame))],
        rows=lambda e, frame: caf_legacy.to_raw(frame, caf_legacy.THEMES[e.theme]),
        same_figures_columns=("code_commune", "variables_fichier", *caf_legacy.VALUE_COLUMNS),
        masking="cellule vide = secret statistique (moins de 5)",
        lists_variables=True,
        yearly=True,
        part_column="theme",
        staging=tuple(
            CommuneModel(f"stg_caf__{t.theme}", tuple(t.variables), LEGACY_PREFIXES.get(t.theme), part=t.theme)
            for t in caf_legacy.THEME_LIST
        ),
    ),
    SourceSpec(
        name="caf_portail",
        label="CAF portail open data",
        description="Portail open data CAF actuel (s_ben_com_f, rsa_s_type_com_f, ndur_s_qf_400_com_f), arrondi à 5.",
        columns=(
            "jeu varchar not null, annee integer not null, mois integer not null, code_commune varchar not null, "
            "libelle_commune varchar, dimension varchar not null, est_special boolean not null, "
            "variable varchar not null, valeur double, ligne bigint not null"
        ),
        # Recognised by name or header in one go: the data set can be in either.
        recognise=lambda _path, _root: None,
        recognise_header=lambda path, header, _root: (
            Extract("caf_portail", path, theme=dataset) if (dataset := caf_portal.dataset_of(path, header)) else None
        ),
        read=lambda e: caf_portal.read_portal_file(e.path, e.theme),
        unit=lambda e, frame: by_years(e.theme, {"jeu": e.theme})(e, frame),
        suite=lambda _e, frame: [
            year_rule(),
            *quality.plausible_counts([c for c in caf_portal.value_columns(frame) if not c.startswith("indmtt_")]),
            *caf_portal.benefit_rules(frame),
        ],
        rows=lambda e, frame: caf_portal.to_long(frame, e.theme),
        masking="comptes arrondis à 5 par la CAF",
        cadence="mensuelle",
        yearly=True,
        part_column="jeu",
        staging=tuple(
            CommuneModel(model, tuple(caf_portal.DATASETS[dataset]["variables"]), prefix, part=dataset)
            for dataset, model, prefix in [
                ("s_ben_com_f", "stg_caf__portail_beneficiaires", "portail"),
                ("rsa_s_type_com_f", "stg_caf__portail_rsa_type", None),
                ("ndur_s_qf_400_com_f", "stg_caf__portail_quotient_familial", None),
            ]
        ),
    ),
    SourceSpec(
        name="insee_populations_legales",
        label="INSEE populations légales",
        description="Populations légales INSEE (donnees_communes.csv), par commune et année.",
        columns=(
            "annee integer not null, code_commune varchar not null, libelle_commune varchar, "
            "pmun bigint not null, pcap bigint not null, ptot bigint not null, ligne bigint not null"
        ),
        recognise=lambda path, root: populations_extract(path, root) if insee_populations.match_file_name(path) else None,
        recognise_header=lambda path, header, root: (
            populations_extract(path, root) if {"pmun", "pcap", "ptot", "codcom"} <= set(header) else None
        ),
        read=lambda e: insee_populations.read_populations(e.path, e.year),
        unit=by_name_year,
        unit_from_name=True,
        same_figures_columns=("code_commune", "pmun", "pcap", "ptot"),
        yearly=True,
        suite=lambda _e, _frame: [
            year_rule(),
            *quality.plausible_counts(["pmun", "pcap", "ptot"]),
            quality.rule("population_totale", "population totale inférieure à la population municipale",
                         "ExpectColumnPairValuesAToBeGreaterThanB", column_A="ptot", column_B="pmun", or_equal=True),
        ],
        staging=(CommuneModel("stg_insee__populations_legales"),),
    ),
    SourceSpec(
        name="caf_onape",
        label="CAF ONAPE accueil du jeune enfant",
        description="Couverture en accueil du jeune enfant ONAPE (txcouv_pe_*, nbpla_pe_*), par EPCI, commune et département.",
        columns=(
            "mesure varchar not null, territoire_niveau varchar not null, territoire_code varchar not null, "
            "annee integer not null, variable varchar not null, valeur double, est_placeholder boolean not null, "
            "ligne bigint not null"
        ),
        recognise=lambda path, _root: (
            Extract("caf_onape", path, theme="/".join(onape)) if (onape := caf_onape.match_file_name(path)) else None
        ),
        read=lambda e: caf_onape.read_onape(e.path, *e.theme.split("/")),
        suite=lambda _e, _frame: [year_rule(), *quality.plausible_counts(["valeur"])],
        unit=lambda e, frame: by_years(e.theme, {"mesure": e.theme.split("/")[0],
                                                 "territoire_niveau": caf_onape.LEVELS[e.theme.split("/")[1]]})(e, frame),
        masking="lignes XX / XXX sans territoire, écartées et comptées",
    ),
    SourceSpec(
        name="insee_recensement_ages",
        label="INSEE recensement (âges)",
        description="Recensement INSEE, population par âge (éditions communes et IRIS), format long.",
        columns=(
            "code_commune varchar not null, annee integer not null, variable varchar not null, "
            "valeur double, edition varchar not null, ligne bigint not null"
        ),
        recognise=named("insee_recensement_ages", insee_census.match_file_name),
        recognise_header=headed("insee_recensement_ages", insee_census.looks_like),
        read=lambda e: insee_census.read_census_ages(e.path),
        unit=by_years("recensement", scope="variable"),
        suite=lambda _e, _frame: [real_commune_rule(), year_rule(), *quality.plausible_counts(["valeur"])],
        lists_variables=True,
        staging=(CommuneModel("stg_insee__recensement_ages", tuple(insee_census.VARIABLES), "recensement"),),
    ),
    SourceSpec(
        name="insee_naissances",
        label="INSEE naissances",
        description="Naissances domiciliées INSEE, par commune et année.",
        columns="code_commune varchar not null, annee integer not null, naissances double, ligne bigint not null",
        recognise=named("insee_naissances", insee_births.match_file_name),
        recognise_header=headed("insee_naissances", insee_births.looks_like),
        read=lambda e: insee_births.read_births(e.path),
        unit=by_years("naissances"),
        suite=lambda _e, _frame: [real_commune_rule(), year_rule(), *quality.plausible_counts(["naissances"])],
        staging=(CommuneModel("stg_insee__naissances", prefix="naissances"),),
    ),
    SourceSpec(
        name="caf_partenaire",
        label="CAF extrait partenaire",
        description="Extrait partenaire de la CAF (article 8 de la convention), format long, liste fermée de variables.",
        columns=(
            "code_commune varchar not null, annee integer not null, variable varchar not null, "
            "valeur bigint, est_special boolean not null, ligne bigint not null"
        ),
        recognise=named("caf_partenaire", caf_partner.match_file_name),
        recognise_header=headed("caf_partenaire", caf_partner.looks_like),
        read=lambda e: caf_partner.read_partner_extract(e.path),
        unit=by_years("partenaire", scope="variable"),
        overlap_is_conflict=True,
        suite=lambda _e, _frame: [year_rule(), *quality.plausible_counts(["valeur"])],
        masking="valeur vide = secret statistique",
        lists_variables=True,
        staging=(CommuneModel("stg_caf__partenaire", tuple(caf_partner.VARIABLES), "partenaire"),),
    ),
    SourceSpec(
        name="structures_inventaire",
        label="Inventaire des structures",
        description=(
            "Inventaire des structures et services aux familles tenu par la coordination CTG (annexe 2 de la "
            "convention) : type, commune, gestionnaire, places, ETP, dates d'ouverture et de fermeture."
        ),
        columns=structures.INVENTORY_COLUMNS_DDL,
        recognise=lambda _path, _root: None,  # our own files: by their header, whatever their name
        recognise_header=headed("structures_inventaire", structures.looks_like_inventory),
        read=lambda e: structures.read_inventory(e.path),
        unit=lambda _e, frame: structures.inventory_unit(frame),
        overlap_is_conflict=True,
        suite=lambda _e, _frame: structures.inventory_rules(),
        rows=lambda _e, frame: structures.inventory_rows(frame),
    ),
    SourceSpec(
        name="structures_activite",
        label="Activité des structures",
        description=(
            "Activité annuelle des structures (places, ETP, jours d'ouverture, taux d'occupation, enfants "
            "inscrits, heures), une ligne par structure, année et mesure."
        ),
        columns=structures.ACTIVITY_COLUMNS_DDL,
        recognise=lambda _path, _root: None,
        recognise_header=headed("structures_activite", structures.looks_like_activity),
        read=lambda e: structures.read_activity(e.path),
        unit=lambda _e, frame: structures.activity_unit(frame),
        overlap_is_conflict=True,
        suite=lambda _e, _frame: structures.activity_rules(),
        check_in_build=structure_in_inventory,
        after=("structures_inventaire",),
    ),
    SourceSpec(
        name="structures_financements",
        label="Financements CAF des structures",
        description=(
            "Financements de la CAF par structure (ou commune), année et dispositif (prestation de service, "
            "bonus territoire CTG, investissement, REAAP, CLAS, AVS...)."
        ),
        columns=structures.FUNDING_COLUMNS_DDL,
        recognise=lambda _path, _root: None,
        recognise_header=headed("structures_financements", structures.looks_like_funding),
        read=lambda e: structures.read_funding(e.path),
        unit=by_years("financements", scope="dispositif"),
        overlap_is_conflict=True,
        suite=lambda _e, _frame: structures.funding_rules(),
        check_in_build=structure_in_inventory,
        after=("structures_inventaire",),
    ),
    SourceSpec(
        name="permis_louer",
        label="Permis de louer (dossiers)",
        description=(
            "Dossiers de permis de louer des communes (autorisation préalable ou déclaration de mise en location) : "
            "régime, dates de dépôt, de complétude, de visite, de décision, de mise en conformité et de bail. "
            "Numéro de dossier, adresse et nom du bailleur pseudonymisés."
        ),
        columns=permis_louer.PERMIS_COLUMNS_DDL,
        recognise=lambda _path, _root: None,
        recognise_header=headed("permis_louer", permis_louer.looks_like_permis),
        read=lambda e: permis_louer.read_permis(e.path),
        unit=lambda _e, frame: permis_louer.permis_unit(frame),
        overlap_is_conflict=True,
        rows=lambda _e, frame: permis_louer.permis_rows(frame),
        suite=lambda _e, _frame: [
            quality.rule("surface_plausible", "surface invraisemblable pour un logement (plus de 1 000 m²)",
                         "ExpectColumnValuesToBeBetween", column="surface_m2", min_value=0, max_value=1000),
        ],
        masking="comptes communaux de 1 à 4 masqués à la publication",
        personal=True,
        identifying=permis_louer.IDENTIFYING,
        cadence="mensuelle",
        staging=(CommuneModel("stg_permis__dossiers"),),
    ),
    SourceSpec(
        name="caf_allocations_logement",
        label="CAF allocations logement par adresse",
        description=(
            "Extrait CAF des foyers percevant une aide au logement en décembre, par adresse (pseudonymisée), "
            "pour rapprocher les logements loués des autorisations de mise en location."
        ),
        columns=permis_louer.AL_COLUMNS_DDL,
        recognise=lambda _path, _root: None,
        recognise_header=headed("caf_allocations_logement", permis_louer.looks_like_allowance),
        read=lambda e: permis_louer.read_allowance(e.path),
        unit=by_years("allocations_logement"),
        suite=lambda _e, _frame: [
            year_rule(),
            quality.rule("foyers_plausibles", "nombre de foyers invraisemblable pour une adresse (plus de 1 000)",
                         "ExpectColumnValuesToBeBetween", column="foyers_al", min_value=0, max_value=1000),
        ],
        masking="comptes communaux de 1 à 4 masqués à la publication",
        personal=True,
        identifying={"adresse": "adresse"},
        staging=(CommuneModel("stg_caf__allocations_logement_adresses"),),
    ),
    SourceSpec(
        name="suivi_plan_action",
        label="Suivi du plan d'action",
        description=(
            "Fichier de suivi du plan d'action (annexe 3) rempli par les coordinateurs : valeur ou statut "
            "des indicateurs d'évaluation qu'aucun extrait ne calcule, par année de la convention."
        ),
        columns=suivi_plan.COLUMNS_DDL,
        recognise=lambda _path, _root: None,
        recognise_header=headed("suivi_plan_action", suivi_plan.looks_like),
        read=lambda e: suivi_plan.read_follow_up(e.path),
        unit=lambda _e, frame: suivi_plan.follow_up_unit(frame),
        oldest_first=True,
        suite=lambda _e, _frame: [year_rule()],
    ),
]
SOURCES: dict[str, SourceSpec] = {spec.name: spec for spec in SOURCE_LIST}
for _spec in SOURCE_LIST:
    if unknown_after := set(_spec.after) - set(SOURCES):
        raise ValueError(f"{_spec.name}: runs after unknown sources {sorted(unknown_after)}")
