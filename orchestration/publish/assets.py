"""The publish asset: runs only when every upstream blocking check passed."""


import dagster as dg

from orchestration.publish.warehouse import publish
from orchestration.resources import BUILD_DB_POOL, CtgSettingsResource

PUBLISHED_KEY = dg.AssetKey(["published", "warehouse"])


def build_publish_asset(upstream_keys: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """The publish asset depends on every mart and ingest step, so it waits for all of them
    and their checks."""

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
        publication = publish(settings.build_db, settings.warehouse, settings.parquet_dir)
        for table, rows in publication.tables.items():
            context.log.info(f"publié : {table} ({rows} lignes)")
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
