"""Ingest assets: one per source of the registry, each writing its raw table in the build database.

Each asset runs its reader and Great Expectations suite on every file of its source and
reports the outcome as a blocking asset check: when a file breaks its contract, nothing
downstream (dbt, publish) runs and the published warehouse stays as it was. A second,
non-blocking check warns when the source's newest file is older than its cadence allows; the
freshness checks of every source run in one step of their own (`build_freshness_checks`),
after the ingest steps, even for a source whose step an incremental refresh does not run.
"""

import datetime
import hashlib
import json
from pathlib import Path

import dagster as dg
import duckdb
import pandas as pd

from ingest import geo, personal, quality
from ingest.archive import Archive
from ingest.discovery import discover
from ingest.errors import ContractError
from ingest.load import ensure_table
from ingest.pipeline import IngestReport, display_path, ingest_source
from ingest.registry import SOURCE_LIST, SOURCES, SourceSpec
from ingest.sources import territory as territory_module
from ingest.sources.territory import REFERENCE_DIR, parse_territory_spec, resolve_territories, territory_rows
from orchestration.resources import BUILD_DB_POOL, CtgSettingsResource
from orchestration.settings import DEFAULT_TERRITORY
from orchestration.status import OVERDUE_AFTER_DAYS, newest_arrivals, overdue_days

CONTRACT_CHECK = "contrat_du_fichier"
FRESHNESS_CHECK = "fraicheur"
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
            else f"{len(report.violations)} anomalie(s) ; fichiers non chargés (voir les anomalies et la quarantaine)."
        ),
        metadata={
            "anomalies": dg.MetadataValue.md(
                "\n".join(f"- {v}" for v in report.violations[:MAX_LISTED]) or "aucune"
            ),
            "quarantaine": dg.MetadataValue.json(report.quarantined),
        },
    )


def freshness_result(key: dg.AssetKey, spec: SourceSpec, newest: datetime.datetime | None) -> dg.AssetCheckResult:
    """A warning, never a failure: a source whose newest file is older than its cadence allows
    (the partner extract not sent this quarter) still refreshes with what it has."""
    late = overdue_days(spec, newest, datetime.date.today())
    if newest is None:
        description = "aucun fichier reçu (les sources absentes sont dites à la fin du rafraîchissement)"
    elif late is None:
        description = f"dernier fichier reçu le {newest.date().isoformat()}"
    else:
        description = (f"en retard : dernier fichier reçu le {newest.date().isoformat()}, il y a {late} jours "
                       f"(cadence {spec.cadence}, au plus {OVERDUE_AFTER_DAYS[spec.cadence]} jours)")
    return dg.AssetCheckResult(
        asset_key=key,
        check_name=FRESHNESS_CHECK,
        passed=late is None,
        severity=dg.AssetCheckSeverity.WARN,
        description=description,
        metadata={"dernier_fichier": newest.isoformat(timespec="seconds") if newest else "aucun",
                  "cadence": spec.cadence, "limite_jours": OVERDUE_AFTER_DAYS[spec.cadence]},
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


def build_source_asset(spec: SourceSpec, sources: list[SourceSpec]) -> dg.AssetsDefinition:
    key = dg.AssetKey(spec.asset_key)

    @dg.asset(
        key=key,
        # Sources whose loaded rows this one is checked against (the inventory before activity).
        deps=[dg.AssetKey(SOURCES[name].asset_key) for name in spec.after if name in {s.name for s in sources}],
        group_name="ingest",
        description=spec.description,
        pool=BUILD_DB_POOL,
        check_specs=[dg.AssetCheckSpec(CONTRACT_CHECK, asset=key, blocking=True,
                                       description="Contrat du lecteur et suite Great Expectations")],
        kinds={"python", "duckdb"},
        metadata={"source": spec.label, "cadence": spec.cadence, "donnees_personnelles": spec.personal},
    )
    def _asset(context: dg.AssetExecutionContext, ctg: CtgSettingsResource):
        settings = ctg.settings
        landing = discover(settings.landing_dir, sources)
        pseudo_key = None
        if spec.personal and landing.of(spec.name):
            pseudo_key = personal.key_from_environment(settings.use_sample)
            if pseudo_key == personal.DEVELOPMENT_KEY:
                context.log.warning(
                    f"{spec.label} : clé de pseudonymisation de développement (échantillon intégré) ; "
                    f"en production, définissez {personal.KEY_VARIABLE}"
                )
        report = ingest_source(
            spec,
            landing,
            settings.build_db,
            settings.quarantine_dir,
            keep_originals=settings.use_sample,
            log=context.log.info,
            pseudo_key=pseudo_key,
            archive=Archive(settings.archive_dir),
        )
        for violation in report.violations:
            context.log.error(str(violation))
        yield materialization(report)
        yield check_result(key, report)

    return _asset


def build_freshness_checks(sources: list[SourceSpec]) -> dg.AssetChecksDefinition:
    """The freshness check of every source, in one step: it reads the arrival dates of the
    archive, not the files, so it runs whether or not the source's ingest step does."""
    by_key = {dg.AssetKey(spec.asset_key): spec for spec in sources}

    @dg.multi_asset_check(
        name="fraicheur_des_sources",
        specs=[dg.AssetCheckSpec(FRESHNESS_CHECK, asset=key, blocking=False,
                                 description=f"Fichier le plus récent reçu selon la cadence ({spec.cadence})")
               for key, spec in by_key.items()],
        can_subset=True,
    )
    def freshness(context: dg.AssetCheckExecutionContext, ctg: CtgSettingsResource):
        newest = newest_arrivals(ctg.settings)
        for key, spec in by_key.items():
            if dg.AssetCheckKey(key, FRESHNESS_CHECK) in context.selected_asset_check_keys:
                yield freshness_result(key, spec, newest.get(spec.name))

    return freshness


TERRITORY_KEY = dg.AssetKey(["raw", "territoire_communes"])
COG_KEY = dg.AssetKey(SOURCES["insee_cog_communes"].asset_key)
COMPOSITION_KEY = dg.AssetKey(SOURCES["insee_epci_composition"].asset_key)


def latest_edition(con: duckdb.DuckDBPyConnection, table: str) -> tuple[pd.DataFrame | None, str | None]:
    """The rows of the newest edition loaded in `table` (COG or EPCI composition), and its file."""
    year = con.execute(f"select max(annee) from {table}").fetchone()[0]
    if year is None:
        return None, None
    frame = con.execute(f"select * exclude (annee, source_file, file_hash, loaded_at) from {table} where annee = ?",
                        [year]).df()
    origin = con.execute(f"select any_value(source_file) from {table} where annee = ?", [year]).fetchone()[0]
    return frame, origin


# What the territory step reads besides the COG, the EPCI composition and the settings.
TERRITORY_CODE = [Path(__file__), Path(territory_module.__file__), Path(quality.__file__), Path(geo.__file__),
                  *sorted(REFERENCE_DIR.glob("*.csv"))]


def territory_inputs(con: duckdb.DuckDBPyConnection, settings) -> str:
    """A fingerprint of what raw.territoire_communes is computed from: the territories asked
    for, the editions of the COG and of the EPCI composition loaded (their files' hashes), and
    the code and bundled referential that read them."""
    digest = hashlib.sha256(json.dumps([settings.territory_epci, settings.departement]).encode())
    for name in ("insee_cog_communes", "insee_epci_composition"):
        editions = con.execute(f"select distinct annee, file_hash from {SOURCES[name].table} order by all").fetchall()
        digest.update(json.dumps(editions).encode())
    for path in TERRITORY_CODE:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def kept_territory(con: duckdb.DuckDBPyConnection, inputs: str) -> tuple[int, str] | None:
    """The rows of raw.territoire_communes and what they say, when the table was computed from
    `inputs` (its comment); None otherwise."""
    found = con.execute("select comment from duckdb_tables() where database_name = current_database() "
                        "and schema_name = 'raw' and table_name = 'territoire_communes'").fetchone()
    if found is None or found[0] != inputs:
        return None
    epcis, rows = con.execute("select count(distinct epci_siren), count(*) from raw.territoire_communes").fetchone()
    principal = con.execute(
        "select epci_siren, any_value(epci_libelle), count(*), any_value(dep_comparaison), "
        "any_value(dep_comparaison_libelle), any_value(origine) from raw.territoire_communes "
        "where est_principal group by epci_siren").fetchone()
    if principal is None:  # not a table this step wrote
        return None
    siren, name, communes, dep, dep_name, origin = principal
    summary = (f"territoire {siren} ({name}) : {communes} communes, département de comparaison {dep} ({dep_name}), "
               f"source : {origin}" + (f" ; et {epcis - 1} autres EPCI ({rows} communes en tout)" if epcis > 1 else ""))
    return rows, summary


def build_territory_asset(sources: list[SourceSpec]) -> dg.AssetsDefinition:
    @dg.asset(
        key=TERRITORY_KEY,
        deps=[COG_KEY, COMPOSITION_KEY],
        group_name="ingest",
        description="Communes de l'EPCI du territoire et département de comparaison.",
        pool=BUILD_DB_POOL,
        check_specs=[dg.AssetCheckSpec(CONTRACT_CHECK, asset=TERRITORY_KEY, blocking=True)],
        kinds={"python", "duckdb"},
    )
    def territoire_communes(context: dg.AssetExecutionContext, ctg: CtgSettingsResource):
        """The territory from the newest EPCI composition and COG loaded (same path as every
        source: ledger, quarantine, report), or the bundled referential."""
        settings = ctg.settings
        report = IngestReport(source="territoire")
        frame = None
        settings.build_db.parent.mkdir(parents=True, exist_ok=True)
        with duckdb.connect(str(settings.build_db)) as con:
            for spec in (SOURCES["insee_cog_communes"], SOURCES["insee_epci_composition"]):
                ensure_table(con, spec.table, spec.columns)
            inputs = territory_inputs(con, settings)
            kept = kept_territory(con, inputs)
            if kept is None:
                composition, composition_file = latest_edition(con, SOURCES["insee_epci_composition"].table)
                cog, _cog_file = latest_edition(con, SOURCES["insee_cog_communes"].table)
        if kept is not None:  # the same inputs as the table's: 1,315 EPCIs nationally, 0.8 s spared
            report.rows_loaded, summary = kept
            context.log.info(f"{summary} (inchangé : mêmes composition des EPCI, COG et paramètres)")
        else:
            try:
                origin = composition_file or "référentiel intégré"
                spec = parse_territory_spec(settings.territory_epci, settings.departement)
                territories = resolve_territories(spec, composition, cog, origin, DEFAULT_TERRITORY)
                frame = territory_rows(territories)
                report.violations = quality.validate(quality.TERRITORY_RULES, frame.assign(ligne=range(2, len(frame) + 2)),
                                                     origin)
            except ContractError as error:
                report.violations = error.violations
        if kept is None and report.ok:
            with duckdb.connect(str(settings.build_db)) as con:
                con.register("territory", frame)
                con.execute("create or replace table raw.territoire_communes as select * from territory")
                con.execute(f"comment on table raw.territoire_communes is '{inputs}'")  # a hex digest
                report.rows_loaded, summary = kept_territory(con, inputs)
            context.log.info(summary)
        elif not report.ok:
            for violation in report.violations:
                context.log.error(str(violation))
        # The territory step reads the whole landing folder: it reports the files no reader recognises.
        landing = discover(settings.landing_dir, sources)
        unrecognised = [
            display_path(path, settings.landing_dir)
            + (f" (illisible : {landing.unreadable[path]})" if path in landing.unreadable else "")
            for path in landing.unrecognised
        ]
        for name in unrecognised:
            context.log.warning(f"fichier non reconnu, ignoré : {name}")
        yield materialization(report, **{UNRECOGNISED_METADATA: dg.MetadataValue.json(unrecognised)})
        yield check_result(TERRITORY_KEY, report)

    return territoire_communes


def build_landing_assets(sources: list[SourceSpec] = SOURCE_LIST) -> list[dg.AssetsDefinition]:
    """One ingest asset per source of the registry, and the territory step."""
    return [*(build_source_asset(spec, sources) for spec in sources), build_territory_asset(sources)]
