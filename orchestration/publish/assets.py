"""The publish asset: runs only when every upstream blocking check passed."""


import dagster as dg

from orchestration.publish.warehouse import publish
from orchestration.resources import BUILD_DB_POOL, CtgSettingsResource
from report import write_report

PUBLISHED_KEY = dg.AssetKey(["published", "warehouse"])
REPORT_KEY = dg.AssetKey(["published", "rapport"])


def build_publish_asset(upstream_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publish asset depends on every mart and ingest step, so it waits for all of them
    and their checks; the marts file must hold those marts, and only them."""
    marts = {".".join(key.path) for key in upstream_keys if key.path[0] == "marts"}

    @dg.asset(
        key=PUBLISHED_KEY,
        deps=upstream_keys,
        group_name="publish",
        description="Entrepôt publié (DuckDB + Parquet), remplacé atomiquement après un rafraîchissement réussi.",
        pool=BUILD_DB_POOL,
        kinds={"duckdb", "parquet"},
    )
    def published_warehouse(context: dg.AssetExecutionContext, ctg: CtgSettingsResource) -> dg.MaterializeResult:
        settings = ctg.settings
        publication = publish(settings.marts_db, settings.warehouse, settings.parquet_dir, marts)
        for table, rows in publication.tables.items():
            context.log.info(f"publié : {table} ({rows} lignes)")
        for table, (written, linked) in publication.years_written.items():
            context.log.info(f"copie Parquet de {table} : {len(written)} année(s) écrite(s)"
                             + (f" ({', '.join(map(str, written))})" if written else "")
                             + (f", {len(linked)} reprise(s) de la publication précédente" if linked else ""))
        context.log.info(f"entrepôt publié : {publication.warehouse} ({publication.size_bytes} octets)")
        return dg.MaterializeResult(
            metadata={
                "chemin": dg.MetadataValue.path(str(publication.warehouse)),
                "tables": dg.MetadataValue.json(publication.tables),
                "parquet": dg.MetadataValue.path(str(publication.parquet_dir)),
                "taille_octets": publication.size_bytes,
            }
        )

    return published_warehouse


@dg.asset(
    key=REPORT_KEY,
    deps=[PUBLISHED_KEY],
    group_name="publish",
    description="Rapport de diagnostic et d'évaluation (HTML et Excel), régénéré depuis l'entrepôt publié.",
    kinds={"html", "excel"},
)
def report(context: dg.AssetExecutionContext, ctg: CtgSettingsResource) -> dg.MaterializeResult:
    """Reads the published file only (read-only), after publication: a report never shows
    figures that were not published."""
    settings = ctg.settings
    files = write_report(settings.warehouse, settings.report_dir, settings.chart_cache_dir)
    context.log.info(f"rapport : {files.html} ({files.sections} sections, {files.tables} tableaux, "
                     f"{files.charts} graphiques) ; classeur : {files.workbook}")
    return dg.MaterializeResult(metadata={
        "chemin": dg.MetadataValue.path(str(files.html)),
        "classeur": dg.MetadataValue.path(str(files.workbook)),
        "tableaux": files.tables,
        "graphiques": files.charts,
    })
