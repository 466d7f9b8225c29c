"""dbt assets: the dbt project on the build database, its tests as blocking asset checks.

Nothing happens at import: `build_dbt_assets()` prepares the manifest (parsing the project
only when a file changed since the last parse) when the definitions are built.

dbt re-parses the whole project (about 7 s) unless it finds a `partial_parse.msgpack` made
with the same `--vars` and profile. So the manifest is prepared with the refresh's own vars,
and each build database keeps its own dbt target folder from one refresh to the next.
"""

import fcntl
import os
import threading
from collections.abc import Mapping
from functools import cache, cached_property
from importlib import metadata
from typing import Any

import dagster as dg
import duckdb
from packaging import version

from orchestration.incremental import forget
from orchestration.resources import BUILD_DB_POOL, CtgSettingsResource
from orchestration.settings import DBT_PROJECT_DIR, Settings, parse_is_stale
from orchestration.transform.dbt_child import PARENT_PID_VARIABLE, dbt_executable
from orchestration.transform.dbt_core import without_dbt_core
from orchestration.transform.warm_dbt import without_warm_dbt
from report import load_report_libraries

# dagster-dbt without dbt-core in this process (dbt_core.py): 2 s less at every refresh's start.
with without_dbt_core():
    from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, DbtProject, dbt_assets

DBT_ASSETS_NAME = "ctg_dbt_assets"


class DbtBuildConfig(dg.Config):
    """Whether dbt rebuilds the year-incremental models whole (`--full-refresh`). Only `ctg
    refresh` turns it off, when it has written the first year they recompute
    (orchestration.incremental); every other run (the Dagster daemon, the UI) rebuilds them."""

    full_refresh: bool = True


@cache
def dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def manifest_is_stale(project: DbtProject) -> bool:
    """True when a model, macro, test or YAML file changed after the last parse."""
    return parse_is_stale(project.manifest_path)


def prepare_manifest(project: DbtProject, dbt_vars: str) -> None:
    """Parse the dbt project when its manifest is missing or older than its files.

    Under a file lock: a refresh, the Dagster daemon and the webserver may load the
    definitions at the same moment, and two parses writing one target folder would collide.
    """
    project.project_dir.joinpath("target").mkdir(exist_ok=True)
    with open(project.project_dir / "target" / ".prepare.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if manifest_is_stale(project):
            with without_warm_dbt():
                dbt_resource().cli(["parse", "--quiet", "--vars", dbt_vars], target_path=project.target_path).wait()


class CtgDbtTranslator(DagsterDbtTranslator):
    """Asset keys follow the warehouse: [schema, table]; a source's key is the one its
    `meta.dagster.asset_key` gives (generated from the source registry)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            declared = dbt_resource_props.get("meta", {}).get("dagster", {}).get("asset_key")
            return dg.AssetKey(declared or [dbt_resource_props["source_name"], dbt_resource_props["name"]])
        return dg.AssetKey([dbt_resource_props["schema"], dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return dbt_resource_props.get("schema")


@cache
def build_dbt_assets(dbt_vars: str = "{}") -> dg.AssetsDefinition:
    """`dbt_vars`: the JSON the refresh passes to dbt (`Settings.dbt_vars`), for the parse."""
    project = dbt_project()
    prepare_manifest(project, dbt_vars)

    @dbt_assets(
        name=DBT_ASSETS_NAME,
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=CtgDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True)),
        pool=BUILD_DB_POOL,
    )
    def _dbt_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource, ctg: CtgSettingsResource,
                    config: DbtBuildConfig):
        ctg.settings.build_db.parent.mkdir(parents=True, exist_ok=True)
        # Unit tests check the SQL, not the data: they run in the test suite, not every night.
        args = ["build", "--exclude-resource-type", "unit_test", "--vars", ctg.settings.dbt_vars_json()]
        if config.full_refresh:
            args.append("--full-refresh")
            forget(ctg.settings)  # a run outside `ctg refresh` records nothing: the next one starts whole
            if not context.is_subset:
                start_marts_anew(ctg.settings)
        os.environ[PARENT_PID_VARIABLE] = str(os.getpid())  # read by ctg-dbt (dbt_child.py)
        # This process mostly waits for dbt's output now: the report's libraries load meanwhile.
        threading.Thread(target=load_report_libraries, name="ctg-report-imports", daemon=True).start()
        yield from dbt.cli(args, context=context, target_path=ctg.settings.dbt_target_dir).stream()

    return _dbt_assets


def start_marts_anew(settings: Settings) -> None:
    """Before every mart is rebuilt: the marts file is removed, so that the new one holds each
    mart once (in the old one, the replaced tables would leave their space free, and published
    with it). Under DuckDB's locks on the build database and on that file: while another run's
    dbt or publication uses them, this run stops here, as dbt would stop on the build database,
    rather than remove the file under it."""
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("drop schema if exists marts cascade")  # the marts of a version that built them here
        if settings.marts_db.exists():
            try:
                duckdb.connect(str(settings.marts_db)).close()
            except duckdb.Error as error:
                if isinstance(error, duckdb.IOException) and "could not set lock" in str(error).lower():
                    raise
                # Unreadable (cut short by a crash): removed all the same.
        settings.marts_db.unlink(missing_ok=True)
        settings.marts_db.with_name(settings.marts_db.name + ".wal").unlink(missing_ok=True)


class CtgDbtCliResource(DbtCliResource):
    """dagster-dbt's resource without two start-up costs of every dbt command we do not use:
    it asks the dbt executable its version in a subprocess (an import of dbt, 3 s), and sets
    up a dbt adapter in this process (4 s) for column metadata and row counts we never fetch.
    Both are private methods of dagster-dbt, pinned by uv.lock (tests/unit/test_dbt_resource.py
    fails if an upgrade renames them)."""

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(metadata.version("dbt-core"))

    def _initialize_dbt_core_adapter(self, args) -> None:
        return None


def dbt_resource() -> DbtCliResource:
    # ctg-dbt is dbt dying with its parent (dbt_child.py), or handing its command to the
    # warm dbt a refresh started (warm_dbt.py).
    return CtgDbtCliResource(project_dir=dbt_project(), profiles_dir=str(DBT_PROJECT_DIR), dbt_executable=dbt_executable())
