"""The Dagster code location of the CTG warehouse.

One asset job, `full_refresh`, runs the whole refresh: ingest (with blocking contract
checks), dbt build (tests as asset checks), publish, then the report. The nightly schedule and the landing
sensor both launch it; `ctg refresh` runs it in-process. Nothing is built at import: Dagster
calls `defs()` when it loads the code location.
"""

from __future__ import annotations

import dagster as dg

from ingest.registry import SOURCE_LIST, SourceSpec
from orchestration.ingest.assets import build_freshness_checks, build_landing_assets
from orchestration.publish.assets import build_publish_asset, report
from orchestration.resources import CtgSettingsResource
from orchestration.schedules import failure_alert, landing_sensor, nightly_schedule
from orchestration.settings import Settings
from orchestration.transform.dbt import build_dbt_assets, dbt_resource

FULL_REFRESH_JOB = "full_refresh"


def build_definitions(
    settings: Settings, loggers: dict | None = None, sources: list[SourceSpec] = SOURCE_LIST
) -> dg.Definitions:
    dbt_assets = build_dbt_assets(settings.dbt_vars_json())
    landing_assets = build_landing_assets(sources)
    # Publication waits for every mart and every ingest step: a blocking contract check fails
    # the refresh even for a source no model reads yet.
    upstream = [key for key in dbt_assets.keys if key.path[0] == "marts"]
    upstream += [key for asset in landing_assets for key in asset.keys]
    publish_asset = build_publish_asset(upstream)
    full_refresh = dg.define_asset_job(
        FULL_REFRESH_JOB,
        selection=dg.AssetSelection.all(),
        description="Rafraîchissement complet : ingestion, contrôles, dbt, publication, rapport.",
    )
    return dg.Definitions(
        assets=[*landing_assets, dbt_assets, publish_asset, report],
        asset_checks=[build_freshness_checks(sources)],
        jobs=[full_refresh],
        schedules=[nightly_schedule(full_refresh)],
        sensors=[landing_sensor(full_refresh, settings), failure_alert],
        resources={
            "ctg": CtgSettingsResource.from_settings(settings),
            "dbt": dbt_resource(),
        },
        loggers=loggers,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions(Settings.from_env())
