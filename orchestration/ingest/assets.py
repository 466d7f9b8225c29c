"""Ingest assets: one per source, each writing its raw table in the build database.

Each asset runs its reader and Great Expectations suite on every file of its source and
reports the outcome as a blocking asset check: when a file breaks its contract, nothing
downstream (dbt, publish) runs and the published warehouse stays as it was.
"""


import duckdb
import dagster as dg

from ingest import quality
from ingest.discovery import discover
from ingest.errors import ContractError
from ingest.pipeline import SOURCES, IngestReport, display_path, ingest_source, quarantine
from ingest.sources.territory import read_cog_communes, read_epci_composition, resolve_territory
from orchestration.resources import BUILD_DB_POOL, CtgSettingsResource

CONTRACT_CHECK = "contrat_du_fichier"
MAX_LISTED = 20
UNRECOGNISED_METADATA = "fichiers_non_reconnus"


def check_result(key: dg.AssetKey, report: IngestReport) -> dg.AssetCheckResult:
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=CONTRACT_CHECK,
        passed=report.ok,
        severity=dg.AssetCheckSeverity.ERROR,
        description=(
            "Tous les fichiers respectent leur contrat."
            if report.ok
            else f"{len(report.violations)} anomalie(s) ; fichiers mis en quarantaine."
        ),
        metadata={
            "anomalies": dg.MetadataValue.md(
                "\n".join(f"- {v}" for v in report.violations[:MAX_LISTED]) or "aucune"
            ),
            "quarantaine": dg.MetadataValue.json(report.quarantined),
        },
    )


def materialization(report: IngestReport, **extra: dg.MetadataValue) -> dg.MaterializeResult:
    return dg.MaterializeResult(
        metadata={
            **extra,
            "fichiers_trouves": report.files_found,
            "fichiers_charges": dg.MetadataValue.json(report.files_loaded),
            "fichiers_inchanges": dg.MetadataValue.json(report.files_unchanged),
            "lignes_chargees": report.rows_loaded,
            "lignes_speciales": report.special_rows,
        }
    )


def build_source_asset(source: str, description: str) -> dg.AssetsDefinition:
    spec = SOURCES[source]
    key = dg.AssetKey(spec.table.split("."))

    @dg.asset(
        key=key,
        group_name="ingest",
        description=description,
        pool=BUILD_DB_POOL,
        check_specs=[dg.AssetCheckSpec(CONTRACT_CHECK, asset=key, blocking=True,
                                       description="Contrat du lecteur et suite Great Expectations")],
        kinds={"python", "duckdb"},
    )
    def _asset(context: dg.AssetExecutionContext, ctg: CtgSettingsResource):
        settings = ctg.settings
        landing = discover(settings.landing_dir)
        report = ingest_source(
            spec,
            landing,
            settings.build_db,
            settings.quarantine_dir,
            keep_originals=settings.use_sample,
            log=context.log.info,
        )
        for violation in report.violations:
            context.log.error(str(violation))
        yield materialization(report)
        yield check_result(key, report)

    return _asset


caf_legacy_asset = build_source_asset(
    "caf_legacy",
    "Fichiers communaux historiques de la CAF (NIVCOMTOTAL, ConfigFamiliale, ...), format long.",
)
insee_populations_asset = build_source_asset(
    "insee_populations_legales", "Populations légales INSEE (donnees_communes.csv), par commune et année."
)
insee_census_asset = build_source_asset(
    "insee_recensement_ages", "Recensement INSEE, population par âge (éditions communes et IRIS), format long."
)
insee_births_asset = build_source_asset("insee_naissances", "Naissances domiciliées INSEE, par commune et année.")
caf_partner_asset = build_source_asset(
    "caf_partenaire", "Extrait partenaire de la CAF (article 8 de la convention), format long, liste fermée de variables."
)
caf_portal_asset = build_source_asset(
    "caf_portail", "Portail open data CAF actuel (s_ben_com_f, rsa_s_type_com_f, ndur_s_qf_400_com_f), arrondi à 5."
)
caf_onape_asset = build_source_asset(
    "caf_onape", "Couverture en accueil du jeune enfant ONAPE (txcouv_pe_*, nbpla_pe_*), par EPCI, commune et département."
)

TERRITORY_KEY = dg.AssetKey(["raw", "territoire_communes"])


@dg.asset(
    key=TERRITORY_KEY,
    group_name="ingest",
    description="Communes de l'EPCI du territoire et département de comparaison.",
    pool=BUILD_DB_POOL,
    check_specs=[dg.AssetCheckSpec(CONTRACT_CHECK, asset=TERRITORY_KEY, blocking=True)],
    kinds={"python", "duckdb"},
)
def territoire_communes(context: dg.AssetExecutionContext, ctg: CtgSettingsResource):
    settings = ctg.settings
    landing = discover(settings.landing_dir)
    report = IngestReport(source="territoire")
    frame = territory = None
    composition_files = landing.of("epci_composition")
    cog_files = landing.of("cog_communes")
    report.files_found = len(composition_files) + len(cog_files)
    # The newest edition wins when several are dropped.
    composition_file = max(composition_files, key=lambda e: e.year, default=None)
    cog_file = max(cog_files, key=lambda e: e.year, default=None)
    try:
        composition = read_territory_file(composition_file, read_epci_composition, settings, report)
        cog = read_territory_file(cog_file, read_cog_communes, settings, report)
        origin = composition_file.path.name if composition_file else "référentiel intégré"
        territory = resolve_territory(settings.territory_epci, composition, cog, origin)
        frame = territory.communes.assign(
            dep_comparaison=territory.dep_code,
            dep_comparaison_libelle=territory.dep_libelle,
            origine=territory.origin,
        )
        report.violations = quality.validate("territoire", frame.assign(ligne=range(2, len(frame) + 2)), origin)
    except ContractError as error:
        report.violations = report.violations or error.violations
    if report.ok:
        with duckdb.connect(str(settings.build_db)) as con:
            con.execute("create schema if not exists raw")
            con.register("territory", frame)
            con.execute("create or replace table raw.territoire_communes as select * from territory")
        report.rows_loaded = len(frame)
        context.log.info(
            f"territoire {territory.epci_siren} ({territory.epci_libelle}) : {len(frame)} communes, "
            f"département de comparaison {territory.dep_code} ({territory.dep_libelle}), source : {territory.origin}"
        )
    else:
        for violation in report.violations:
            context.log.error(str(violation))
    # The territory step reads the whole landing folder: it reports the files no reader recognises.
    unrecognised = [display_path(path, settings.landing_dir) for path in landing.unrecognised]
    for name in unrecognised:
        context.log.warning(f"fichier non reconnu, ignoré : {name}")
    yield materialization(report, **{UNRECOGNISED_METADATA: dg.MetadataValue.json(unrecognised)})
    yield check_result(TERRITORY_KEY, report)


def read_territory_file(extract, reader, settings, report: IngestReport):
    """Read a COG or EPCI composition file; a broken one goes to quarantine like any extract."""
    if extract is None:
        return None
    try:
        return reader(extract.path)
    except ContractError as error:
        report.violations = error.violations
        target = quarantine(extract.path, error.violations, settings.quarantine_dir, settings.use_sample)
        report.quarantined.append(str(target))
        raise


landing_assets = [
    territoire_communes,
    insee_populations_asset,
    insee_census_asset,
    insee_births_asset,
    caf_legacy_asset,
    caf_portal_asset,
    caf_onape_asset,
    caf_partner_asset,
]
