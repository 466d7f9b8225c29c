"""`ctg`: the command line of the CTG warehouse.

    ctg refresh [--landing DIR | --sample] [--warehouse FILE] [--territory SIREN[,SIREN…] | all-in-departement[:DD] | all]
                [--all-departement-communes] [--rebuild]
    ctg validate FILE...

`refresh` runs the Dagster job `full_refresh` in-process (the job the nightly schedule runs),
prints one line per step, and exits non-zero when any blocking check fails, naming the file,
the line, the column and the rule.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import datetime
import fcntl
import logging
import os
import re
import shutil
import sys
import tempfile
import threading
import time
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from orchestration.settings import (
    DEFAULT_LANDING,
    DEFAULT_TERRITORY,
    DEFAULT_WAREHOUSE,
    MARTS_CATALOG,
    SAMPLE_DIR,
    Settings,
    is_true,
    storage_version,
)
from orchestration.transform.warm_dbt import WarmDbt

if TYPE_CHECKING:
    from ingest.registry import SourceSpec


@cache
def step_labels() -> dict[str, str]:
    """Progress labels of the steps, by Dagster step key: one per source of the registry.
    (Read when a refresh runs: `ctg --help` loads no reader.)"""
    from ingest.registry import SOURCE_LIST

    return {
        **{"__".join(spec.asset_key): spec.label for spec in SOURCE_LIST},
        "raw__territoire_communes": "territoire",
        "fraicheur_des_sources": "fraîcheur des sources",  # orchestration.ingest.assets.build_freshness_checks
        "ctg_dbt_assets": "dbt (modèles et tests)",
        "published__warehouse": "publication",
        "published__rapport": "rapport",
    }


FRENCH_ERRORS = {"NothingToPublish", "ContractError", "PersonalDataLoadError", "BuildDatabaseError", "PublicationError",
                 "ArchiveError"}


def say(message: str) -> None:
    # The real stdout: during the run, sys.stdout is the run's log file (dbt writes there).
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.__stdout__, flush=True)


class ProgressHandler(logging.Handler):
    """Turns Dagster's log stream into short progress lines."""

    def emit(self, record: logging.LogRecord) -> None:
        meta = getattr(record, "dagster_meta", None)
        if not meta:
            return
        step = step_labels().get(meta.get("step_key") or "", meta.get("step_key") or "")
        event = meta.get("dagster_event")
        if event is None:
            message = meta["orig_message"]
            # dagster-dbt narrates its own plumbing; keep the dbt command lines only.
            if meta.get("step_key") == "ctg_dbt_assets" and "dbt command" not in message:
                return
            if message.startswith("Dependencies for step"):  # said by STEP_SKIPPED, in French
                return
            if record.levelno >= logging.INFO and step:
                say(f"  {step} : {message}")
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            say(f"▶ {step}")
        elif kind == "STEP_SUCCESS":
            say(f"✓ {step}")
        elif kind == "STEP_FAILURE":
            say(f"✗ {step} : échec")
        elif kind == "STEP_SKIPPED":
            say(f"- {step} : non exécuté (un contrôle bloquant a échoué en amont)")
        elif kind == "ASSET_MATERIALIZATION" and meta.get("step_key") == "ctg_dbt_assets":
            say(f"  {step} : {event.asset_key.to_user_string()} construit")
        elif kind == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            if not evaluation.passed:
                mark = "⚠ avertissement" if is_warning(evaluation) else "✗ contrôle en échec"
                say(f"  {mark} : {evaluation.asset_check_key.name} sur {evaluation.asset_key.to_user_string()}")


def progress_logger():
    import dagster as dg

    @dg.logger(description="Lignes de progression de ctg refresh")
    def _progress(_init_context):
        log = logging.getLogger("ctg.progress")
        log.setLevel(logging.DEBUG)  # step events are DEBUG records; the handler picks them
        log.propagate = False
        if not log.handlers:
            log.addHandler(ProgressHandler())
        return log

    return _progress


def resolve_settings(args: argparse.Namespace) -> Settings:
    if args.sample and args.landing:
        raise SystemExit("ctg refresh : --sample et --landing s'excluent")
    env = Settings.from_env()
    territory = args.territory or env.territory_epci
    from ingest.sources.territory import parse_territory_spec

    try:
        parse_territory_spec(territory, env.departement)
        storage_version()  # read by dbt (the marts file) and publication
    except ValueError as error:
        raise SystemExit(f"ctg refresh : {error}") from None
    landing = SAMPLE_DIR if args.sample else Path(args.landing) if args.landing else env.landing_dir
    return Settings(
        landing_dir=landing.resolve(),
        warehouse=Path(args.warehouse).resolve() if args.warehouse else env.warehouse,
        territory_epci=territory,
        use_sample=bool(args.sample) or env.use_sample and not args.landing,
        all_departement_communes=args.all_departement_communes or env.all_departement_communes,
        departement=env.departement,
    )


def warm_instance_imports() -> None:
    """An in-memory Dagster instance created and disposed of: what it imports stays imported."""
    from dagster import DagsterInstance

    with contextlib.suppress(Exception), DagsterInstance.ephemeral():
        pass


def instance_for_cli():
    """An in-memory Dagster instance unless CTG_DAGSTER_HISTORY asks for the one of
    DAGSTER_HOME: writing each event of the run to SQLite costs a sample refresh about 15 s
    (of 70), and the CLI keeps its own record (`derniere_execution.json`, `ctg status`).
    Scheduled and sensor runs of the daemon always go to DAGSTER_HOME."""
    from dagster import DagsterInstance

    if os.environ.get("DAGSTER_HOME") and is_true(os.environ.get("CTG_DAGSTER_HISTORY")):
        return DagsterInstance.get()
    return DagsterInstance.ephemeral()


def is_warning(evaluation) -> bool:
    from dagster import AssetCheckSeverity

    return evaluation.severity == AssetCheckSeverity.WARN


def failing_rows(settings: Settings, test_name: str, model: str, limit: int = 5) -> list[str]:
    """The first rows that break a dbt test, as `column=value` lines: the test's query, which
    dbt wrote in the build's run_results.json, run again on the build database. dbt does not
    store them (store_failures: a table per test on every refresh cost the sample 3 s). Nothing
    for a test on personal data: its rows are never printed."""
    import json

    import duckdb

    try:
        results = json.loads((settings.dbt_target_dir / "run_results.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    # Only a test this file records as failed: a dbt killed before writing it leaves the
    # previous build's, whose query may be an older version of the test.
    query = next((result.get("compiled_code") for result in results.get("results", [])
                  if result.get("unique_id", "").split(".")[2:3] == [test_name]
                  and result.get("status") in ("fail", "warn", "error")), None)
    if not query or reads_personal_data(model, query):
        return []
    try:
        with duckdb.connect(str(settings.build_db), read_only=True) as con:
            if settings.marts_db.is_file():  # a test of a mart names it as dbt attaches its file
                con.execute(f"attach ? as {MARTS_CATALOG} (read_only)", [str(settings.marts_db)])
            # On lines of their own: the test's SQL may end with a comment.
            cursor = con.execute(f"select * from (\n{query}\n) as failing_rows limit {int(limit)}")
            names = [d[0] for d in cursor.description]
            return [", ".join(f"{n}={v}" for n, v in zip(names, row, strict=False)) for row in cursor.fetchall()]
    except duckdb.Error:  # the build database is busy or gone: the count alone is still said
        return []


@cache
def personal_relations() -> frozenset[str]:
    """The models and raw tables of personal sources (the registry's, and any model of the
    folder they live in: a source added to a refresh but not to the registry), and the models
    that read one of those models directly."""
    from ingest.registry import SOURCE_LIST
    from orchestration.settings import DBT_PROJECT_DIR

    folder = DBT_PROJECT_DIR / "models" / "staging" / "personal"
    personal = [spec for spec in SOURCE_LIST if spec.personal]
    models = {model.model for spec in personal for model in spec.staging} | {path.stem for path in folder.rglob("*.sql")}
    tables = {spec.table.split(".")[-1] for spec in personal}
    # And the models that read one directly (int_permis__dossiers: each dossier, by token).
    refs = [re.compile(rf"ref\(\s*['\"]{re.escape(name)}['\"]\s*\)") for name in models]
    readers = {path.stem for path in (DBT_PROJECT_DIR / "models").rglob("*.sql")
               if any(ref.search(path.read_text(encoding="utf-8")) for ref in refs)}
    return frozenset(models | tables | readers)


def reads_personal_data(model: str, query: str | None) -> bool:
    """A test of a personal model, or whose query reads one (a singular test may join it)."""
    names = personal_relations()
    return model in names or (query is not None and any(f'"{name}"' in query for name in names))


def check_lines(evaluation, settings: Settings) -> list[str]:
    anomalies = evaluation.metadata.get("anomalies")  # ingest checks list each violation
    failed_rows = evaluation.metadata.get("dagster_dbt/failed_row_count")  # dbt tests count rows
    lines = [f"contrôle « {evaluation.check_name} » sur {evaluation.asset_key.to_user_string()} :"]
    if anomalies is not None:
        lines.extend(f"  {line}" for line in str(anomalies.value).splitlines() if line.strip())
    elif failed_rows is not None:
        # Rows of personal data are never printed: the count alone.
        model = evaluation.asset_key.path[-1]
        examples = failing_rows(settings, evaluation.check_name, model)
        lines.append(f"  {failed_rows.value} ligne(s) ne respectent pas la règle (test dbt)"
                     + (", par exemple :" if examples else ""))
        lines.extend(f"    {example}" for example in examples)
    return lines


def warning_report(result, settings: Settings) -> list[str]:
    lines: list[str] = []
    for evaluation in result.get_asset_check_evaluations():
        if not evaluation.passed and is_warning(evaluation):
            lines.extend(check_lines(evaluation, settings))
    return lines


def absent_sources(settings: Settings, sources: list[SourceSpec]) -> list[str]:
    """Sources expected with no file in the landing folder (their indicators are simply not
    there), whether or not the refresh ran their ingest step."""
    from ingest.discovery import discover

    landing = discover(settings.landing_dir, sources)
    return [spec.label for spec in sources if spec.expected and not landing.of(spec.name)]


def unrecognised_files(result) -> list[str]:
    """Files of the landing folder no reader recognised (reported by the territory step)."""
    for event in result.get_asset_materialization_events():
        value = event.event_specific_data.materialization.metadata.get("fichiers_non_reconnus")
        if value is not None:
            return list(value.value)
    return []


def failure_report(result, settings: Settings) -> list[str]:
    """French lines naming what failed: broken contracts first, then failed steps."""
    lines: list[str] = []
    for evaluation in result.get_asset_check_evaluations():
        if evaluation.passed or is_warning(evaluation):
            continue
        lines.extend(check_lines(evaluation, settings))
    for event in result.get_step_failure_events():
        error = event.step_failure_data.error
        while error is not None and error.cause is not None:  # the user's error, not Dagster's wrapper
            error = error.cause
        step = step_labels().get(event.step_key, event.step_key)
        kind = error.cls_name if error else ""
        if kind == "DagsterAssetCheckFailedError":
            continue  # the failed checks are listed above
        if kind == "DagsterDbtCliRuntimeError":
            lines.append(f"étape {step} : un modèle ou un test dbt a échoué (détail dans le journal)")
            continue
        message = error.message.strip() if error else "erreur inconnue"
        # Our own errors carry a French message after the exception's class name.
        lines.append(f"étape {step} : {message.split(': ', 1)[-1] if kind in FRENCH_ERRORS else message}")
    return lines


def refresh(args: argparse.Namespace, sources: list[SourceSpec] | None = None) -> int:
    from ingest.registry import SOURCE_LIST

    sources = SOURCE_LIST if sources is None else sources
    settings = resolve_settings(args)
    empty_landing = not settings.landing_dir.is_dir() or not any(p.is_file() for p in settings.landing_dir.rglob("*"))
    # An empty landing folder is a mistake (a disk not mounted), except to rebuild from the archive.
    if not settings.use_sample and empty_landing and not (args.rebuild and archive_has_files(settings)):
        print(
            f"ctg refresh : le dossier d'arrivée {settings.landing_dir} est absent ou vide ; "
            "rien n'est publié. Déposez-y les extraits, ou utilisez --sample pour l'échantillon intégré.",
            file=sys.stderr,
        )
        return 2
    if problem := warehouse_folder_problem(settings):
        print(f"ctg refresh : {problem} ; rien n'a été chargé ni publié, l'entrepôt publié est inchangé.", file=sys.stderr)
        return 2
    with (settings.runtime_dir / ".refresh.lock").open("w") as lock:
        try:  # one refresh per warehouse folder at a time (the build database has one writer)
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(
                f"ctg refresh : un rafraîchissement est déjà en cours pour {settings.runtime_dir} ; "
                "réessayez quand il sera terminé. L'entrepôt publié n'a pas été modifié.",
                file=sys.stderr,
            )
            return 3
        if orphans := processes_using(settings.build_db):
            print(
                f"ctg refresh : un processus d'un rafraîchissement interrompu utilise encore la base de construction "
                f"(pid {', '.join(map(str, orphans))}) ; attendez qu'il se termine ou arrêtez-le (kill "
                f"{' '.join(map(str, orphans))}), puis relancez. L'entrepôt publié n'a pas été modifié.",
                file=sys.stderr,
            )
            return 3
        if args.rebuild:
            for path in [*settings.build_db.parent.glob(settings.build_db.name + "*"),
                         *settings.marts_db.parent.glob(settings.marts_db.name + "*")]:
                path.unlink()
        set_aside_unreadable_build(settings)
        if not settings.build_db.exists():
            restore_from_archive(settings, sources)
        elif outdated := outdated_sources(settings, sources):
            restore_from_archive(settings, outdated, whole=False)
        if nothing_to_compute(settings, sources):
            return 1
        return run_refresh(settings, rebuilt=args.rebuild, sources=sources)


def processes_using(build_db: Path) -> list[int]:
    """Other processes whose command line names the build database: a dbt child that outlived
    a refresh killed with -9 (dbt receives the path in --vars). Linux /proc; elsewhere none."""
    marker = str(build_db).encode()
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if marker in cmdline.read_bytes() and int(cmdline.parent.name) != os.getpid():
                found.append(int(cmdline.parent.name))
        except (OSError, ValueError):  # the process ended meanwhile
            continue
    return sorted(found)


DUCKDB_HEADERS = 3 * 4096  # the file header and the two database headers before the blocks


def highest_data_block(con) -> int:
    """The highest block any table's data lives in (-1 for a database without data)."""
    tables = con.execute("select schema_name, table_name from duckdb_tables() "
                         "where database_name = current_database()").fetchall()
    highest = -1
    for schema, table in tables:
        quoted = '"{}"."{}"'.format(schema.replace('"', '""'), table.replace('"', '""'))
        block = con.execute("select max(block_id) from pragma_storage_info(?)", [quoted]).fetchone()[0]
        highest = max(highest, block if block is not None else -1)
    return highest


def set_aside_unreadable_build(settings: Settings) -> None:
    """A build database that cannot be opened (truncated by a crash or a full disk) is derived
    state: it is set aside and rebuilt from the archive and the landing folder, saying so once."""
    import duckdb

    if not settings.build_db.exists():
        return
    try:
        with duckdb.connect(str(settings.build_db), read_only=True) as con:
            block_size = con.execute("select block_size from pragma_database_size()").fetchone()[0]
            highest = highest_data_block(con)
        # Opening reads the catalog only: a file cut short loses data blocks the tables use.
        # (Not `total_blocks`: it counts free blocks DuckDB has already cut from the file's end,
        # and took sound build files for truncated ones.)
        if settings.build_db.stat().st_size < DUCKDB_HEADERS + block_size * (highest + 1):
            raise duckdb.IOException(f"fichier tronqué ({settings.build_db.stat().st_size} octets)")
    except duckdb.Error as error:
        aside = settings.build_db.with_name(f"{settings.build_db.name}.illisible-{time.strftime('%Y%m%dT%H%M%S')}")
        settings.build_db.rename(aside)
        settings.build_db.with_name(settings.build_db.name + ".wal").unlink(missing_ok=True)
        say(f"base de construction illisible ({type(error).__name__}) : mise de côté ({aside.name}) ; "
            "elle est reconstruite à partir de l'archive, puis du dossier d'arrivée")


def archive_has_files(settings: Settings) -> bool:
    from ingest.archive import Archive

    return bool(Archive(settings.archive_dir).entries())


def outdated_sources(settings: Settings, sources: list[SourceSpec]) -> list[SourceSpec]:
    """Sources whose raw table an earlier version laid out otherwise (ingest.load.layout_outdated)."""
    import duckdb

    from ingest.load import layout_outdated

    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        return [spec for spec in sources if layout_outdated(con, spec.table, spec.columns)]


def restore_from_archive(settings: Settings, sources: list[SourceSpec], whole: bool = True) -> None:
    """An empty build database (--rebuild, first run, lost or cut-short file) is filled again
    from the archive, in arrival order, before the run reads the landing folder. Not `whole`:
    only `sources`' tables are reloaded (their layout changed: `outdated_sources`)."""
    from ingest.archive import Archive, replay
    from ingest.pipeline import ingest_source

    archive = Archive(settings.archive_dir)
    names = {spec.name for spec in sources}
    if not (entries := [entry for entry in archive.entries() if entry.source in names]):
        if not whole:
            say(f"tables brutes au format d'une version précédente ({', '.join(spec.label for spec in sources)}) : "
                "vidées, rechargées à partir du dossier d'arrivée (l'archive n'en a aucun fichier)")
        return
    if whole:
        say(f"base de construction reconstruite à partir de l'archive {archive.root} ({len(entries)} fichier(s) chargés)…")
    else:
        say(f"tables brutes au format d'une version précédente ({', '.join(spec.label for spec in sources)}) : "
            f"rechargées à partir de l'archive {archive.root} ({len(entries)} fichier(s))…")
    for entry in [entry for entry in archive.missing() if entry.source in names]:
        say(f"  archive : contenu absent de l'archive, non rechargé : {entry.path} ({entry.sha256[:12]}) ; "
            "redéposez le fichier dans le dossier d'arrivée")
    labels = {spec.name: spec.label for spec in sources}

    def ingest(spec: SourceSpec, landing):
        report = ingest_source(spec, landing, settings.build_db, settings.quarantine_dir, keep_originals=True,
                               log=lambda _line: None)
        say(f"  archive : {labels[spec.name]} : {len(report.files_loaded)} fichier(s), {report.rows_loaded} lignes")
        for violation in report.violations:
            say(f"  archive : {labels[spec.name]} : NON RECHARGÉ : {violation}")
        return report

    replay(archive, sources, ingest)


MIN_FREE_BYTES = 64 * 2**20  # or 3x the current build and published files, when larger


def warehouse_folder_problem(settings: Settings) -> str | None:
    """Said before anything runs, not after ingestion and dbt: a warehouse folder that cannot
    be written, or a disk without room for a build and a published copy."""
    folder = settings.runtime_dir
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".ctg-essai-"):
            pass
    except OSError as error:
        return f"le dossier de l'entrepôt {folder} n'est pas accessible en écriture ({error.strerror or error})"
    current = sum(p.stat().st_size for p in (settings.build_db, settings.marts_db, settings.warehouse) if p.exists())
    needed = max(MIN_FREE_BYTES, 3 * current)
    free = shutil.disk_usage(folder).free
    if free < needed:
        return (f"espace disque insuffisant pour l'entrepôt dans {folder} : {free // 2**20} Mo libres, "
                f"il en faut au moins {needed // 2**20} Mo ; libérez de la place")
    return None


def nothing_to_compute(settings: Settings, sources: list[SourceSpec]) -> bool:
    """No file of the landing is recognised and nothing was ever loaded: refused at once,
    rather than after a whole refresh that could only compute empty tables."""
    from ingest.discovery import discover
    from ingest.pipeline import display_path

    landing = discover(settings.landing_dir, sources)
    if landing.extracts or settings.build_db.exists():
        return False
    names = [display_path(p, settings.landing_dir) for p in landing.unrecognised]
    print(
        f"ctg refresh : aucun extrait reconnu dans {settings.landing_dir} (fichiers non reconnus : "
        f"{', '.join(names[:10])}{' …' if len(names) > 10 else ''}) : aucun indicateur calculé, publication refusée ; "
        "l'entrepôt publié est conservé tel quel. Voir le README pour les noms de fichiers attendus.",
        file=sys.stderr,
    )
    return True


def run_refresh(settings: Settings, rebuilt: bool, sources: list[SourceSpec]) -> int:
    from orchestration.status import record_attempt

    started = time.monotonic()
    started_at = datetime.datetime.now()
    if rebuilt:
        say("base de construction effacée (--rebuild) : elle est refaite de l'archive, puis du dossier d'arrivée")
    say(
        f"Rafraîchissement CTG — territoire {settings.territory_epci}, "
        f"arrivée {settings.landing_dir}{' (échantillon intégré)' if settings.use_sample else ''}, "
        f"entrepôt {settings.warehouse}"
    )
    say("chargement des définitions Dagster et du projet dbt…")
    # The target folder of earlier versions, one for every checkout (settings.dbt_target_dir).
    shutil.rmtree(settings.build_db.with_name(f"{settings.build_db.stem}-dbt"), ignore_errors=True)
    # dbt starts now on the other core, while Dagster loads and the sources are ingested.
    with WarmDbt(settings.dbt_vars_json(), settings.dbt_target_dir):
        from orchestration.definitions import FULL_REFRESH_JOB, build_definitions

        defs = build_definitions(settings, loggers={"ctg_progress": progress_logger()}, sources=sources)
        job = defs.resolve_job_def(FULL_REFRESH_JOB)
        log_file = settings.runtime_dir / "logs" / f"refresh-{time.strftime('%Y%m%dT%H%M%S')}.log"
        log_file.parent.mkdir(parents=True, exist_ok=True)
        say(f"journal détaillé (sortie de dbt) : {log_file}")
        tables = fingerprinted_tables(sources)
        yearly = tuple(spec.table for spec in sources if spec.yearly)
        parts = {spec.table: (spec.part_column, spec.prefixes_by_part) for spec in sources
                 if spec.yearly and spec.part_column}
        with log_file.open("w", encoding="utf-8") as log, contextlib.redirect_stdout(log):
            result, fingerprints = execute_refresh(job, defs, settings, tables, yearly, incremental=not rebuilt,
                                                   parts=parts, sources=sources)
    problems = failure_report(result, settings)
    published = any(
        event.asset_key is not None and event.asset_key.path == ["published", "warehouse"]
        for event in result.get_asset_materialization_events()
    )
    elapsed = time.monotonic() - started
    absent = absent_sources(settings, sources)
    if absent:
        say(
            f"sources sans fichier dans le dossier d'arrivée : {', '.join(absent)} "
            "(leurs chargements précédents sont conservés ; sans aucun, leurs indicateurs ne sont pas produits)"
        )
    unrecognised = unrecognised_files(result)
    if unrecognised:
        say(
            f"fichiers non reconnus, ignorés ({len(unrecognised)}) : {', '.join(unrecognised[:10])}"
            f"{' …' if len(unrecognised) > 10 else ''} — voir le README pour les noms attendus"
        )
    warnings = warning_report(result, settings)
    for line in warnings:
        say(f"avertissement : {line}")
    report_path = next((event.materialization.metadata["chemin"].value
                        for event in result.get_asset_materialization_events()
                        if event.asset_key is not None and event.asset_key.path == ["published", "rapport"]), None)
    succeeded = result.success and not problems and published
    record_attempt(settings, started_at, succeeded, published, problems, warnings, report_path)
    record_build(settings, tables, yearly, succeeded, fingerprints, parts)
    if succeeded:
        say(f"Terminé en {elapsed:.0f} s : entrepôt publié {settings.warehouse}")
        say(f"rapport : {report_path}")
        return 0
    if published:  # only the report failed: the new warehouse is published
        print(f"\nEntrepôt publié {settings.warehouse}, mais le rapport n'a pas pu être produit "
              f"(ctg report le régénère) :", file=sys.stderr)
    else:
        print(f"\nÉchec du rafraîchissement après {elapsed:.0f} s ; l'entrepôt publié n'a pas été modifié.",
              file=sys.stderr)
    for line in problems:
        print(line, file=sys.stderr)
    print(f"Journal détaillé : {log_file}", file=sys.stderr)
    from orchestration.alerts import alert

    alert("rapport non produit" if published else "rafraîchissement en échec, entrepôt publié inchangé", problems)
    return 1


def fingerprinted_tables(sources: list[SourceSpec]) -> dict[str, list[str]]:
    """The raw tables dbt reads → their ingest asset's key (orchestration.incremental)."""
    from orchestration.ingest.assets import TERRITORY_KEY

    tables = {spec.table: list(spec.asset_key) for spec in sources}
    tables["raw.territoire_communes"] = list(TERRITORY_KEY.path)
    return tables


class CombinedResult:
    """The results of the two runs of an incremental refresh, read as one."""

    def __init__(self, results: list):
        self.results = results
        self.success = all(result.success for result in results)

    def get_asset_materialization_events(self):
        return [event for result in self.results for event in result.get_asset_materialization_events()]

    def get_asset_check_evaluations(self):
        return [evaluation for result in self.results for evaluation in result.get_asset_check_evaluations()]

    def get_step_failure_events(self):
        return [event for result in self.results for event in result.get_step_failure_events()]


# dagster-dbt's metadata of a dbt asset: its materialization (view, table, incremental).
DBT_MATERIALIZATION = "dagster-dbt/materialization_type"


def execute_refresh(job, defs, settings: Settings, tables: dict[str, list[str]], yearly: tuple[str, ...],
                    incremental: bool, parts: dict[str, tuple[str, dict[str, list[str]]]] | None = None,
                    sources: list[SourceSpec] | None = None):
    """The whole job; or, when the build database records a successful refresh of the same
    project and settings (orchestration.incremental), first the ingestion of the sources with
    a new file (ingest.pipeline.has_news), the territory and every source's freshness check,
    then only the assets downstream of the raw tables that changed, publication and the
    report. Returns the result and, for an incremental refresh, the raw tables' fingerprints
    taken after ingestion. `parts`: the yearly tables fingerprinted per kind of row
    (incremental.changes)."""
    import dagster as dg
    import duckdb

    from orchestration import incremental as state
    from orchestration.transform.dbt import DBT_ASSETS_NAME

    instance = None  # one for the refresh's runs

    def run(selection=None, full_refresh=True, checks=None):
        """The job, or the assets of `selection`; with `checks`, exactly those asset checks
        (None: those of the assets selected)."""
        nonlocal instance
        if instance is None:
            instance = instance_for_cli()
        run_config = {"loggers": {"ctg_progress": {}}}
        if not full_refresh:
            run_config["ops"] = {DBT_ASSETS_NAME: {"config": {"full_refresh": False}}}
        if checks is not None:
            subset = job.get_subset(asset_selection=set(selection), asset_check_selection=set(checks))
            return subset.execute_in_process(instance=instance, raise_on_error=False, run_config=run_config)
        return job.execute_in_process(instance=instance, raise_on_error=False, asset_selection=selection,
                                      run_config=run_config)

    if not incremental or not state.has_record(settings):
        return run(), None
    # The in-memory instance's first creation imports its storage (SQLAlchemy, Alembic: 0.5 s):
    # done by a thread meanwhile, while this one mostly waits on DuckDB and hashes files.
    threading.Thread(target=warm_instance_imports, name="ctg-dagster-instance", daemon=True).start()
    graph = defs.resolve_asset_graph()
    ingest_keys = dg.AssetSelection.groups("ingest").resolve(graph)
    # The build database stays open in this process from the ingestion steps to the choice of
    # what dbt recomputes: each step's connection reuses it, instead of opening the file again
    # (0.03 s each nationally, for 15 steps that mostly find nothing new), and so do the
    # fingerprints and marks below. Closed before dbt, another process, opens it.
    with duckdb.connect(str(settings.build_db)) as held:
        steps, checks = ingestion_with_news(settings, graph, ingest_keys, sources, held)
        ingested = run(steps, checks=checks)
        if not ingested.success:
            return ingested, None
        plan = incremental_plan(settings, graph, ingest_keys, tables, yearly, parts, held)
    if plan is None:  # the record vanished meanwhile: everything, to be safe
        return CombinedResult([ingested, run(sorted(graph.materializable_asset_keys - ingest_keys))]), None
    changes, selection, checks, by_year = plan
    if not by_year:
        return CombinedResult([ingested, run(sorted(selection), checks=checks)]), changes.fingerprints
    try:
        result = run(sorted(selection), full_refresh=False, checks=checks)
    finally:
        state.set_recompute_year(settings, None)
    return CombinedResult([ingested, result]), changes.fingerprints


def ingestion_with_news(settings: Settings, graph, ingest_keys, sources: list[SourceSpec] | None, held):
    """The ingest steps an incremental refresh runs, and their checks: those of the sources
    with a new file (the others would find every file loaded already: 0.05 to 0.1 s of Dagster
    and of hashing each, nationally), the territory (it reports the files no reader
    recognises), and the freshness check of every source (it reads the archive, not the files)."""
    import dagster as dg

    from ingest.archive import Archive
    from ingest.discovery import discover
    from ingest.pipeline import has_news
    from ingest.registry import SOURCE_LIST
    from orchestration.ingest.assets import FRESHNESS_CHECK, TERRITORY_KEY

    sources = SOURCE_LIST if sources is None else sources
    landing = discover(settings.landing_dir, sources)
    archive = Archive(settings.archive_dir)
    steps = {dg.AssetKey(spec.asset_key) for spec in sources if has_news(spec, landing, held, archive)}
    steps = (steps | {TERRITORY_KEY}) & ingest_keys
    checks = {check for check in graph.asset_check_keys
              if check.asset_key in steps or check.asset_key in ingest_keys and check.name == FRESHNESS_CHECK}
    return sorted(steps), checks


def incremental_plan(settings: Settings, graph, ingest_keys, tables: dict[str, list[str]], yearly: tuple[str, ...],
                     parts, held):
    """After ingestion: what changed, the assets and checks to run, and whether the models
    recompute some years only (then marked in the build database through `held`). None when
    everything must be recomputed."""
    import dagster as dg

    from orchestration import incremental as state
    from orchestration.publish.assets import PUBLISHED_KEY, REPORT_KEY

    changes = state.changes(settings, list(tables), yearly, parts, held)
    if changes is None:
        return None
    changed_keys = [dg.AssetKey(tables[table]) for table in sorted(changes.tables)]
    downstream = dg.AssetSelection.assets(*changed_keys).downstream(include_self=False).resolve(graph)
    selection = (downstream - ingest_keys) | {PUBLISHED_KEY, REPORT_KEY}
    models = [key for key in selection if key.path[0] not in ("published",)]
    all_models = [key for key in graph.materializable_asset_keys if key not in ingest_keys and key.path[0] != "published"]
    say(f"rafraîchissement incrémental : {len(models)} modèle(s) dbt sur {len(all_models)} à recalculer"
        + (f" (tables modifiées : {', '.join(sorted(changes.tables))})" if changes.tables else " (aucune table modifiée)")
        + (f", années {changes.since_year} et suivantes" if changes.since_year is not None and models else "")
        + (f", indicateurs des variables {', '.join(changes.prefixes) or '(aucune)'}"
           if changes.since_year is not None and changes.prefixes is not None and models else ""))
    # The staging views downstream of the tables that changed are not created again: they are
    # those of the last refresh (the same project), reading the tables as they are now. Their
    # tests run (11 views of the legacy files nationally: 0.4 s of dbt's nodes).
    views = {key for key in models if graph.get(key).metadata.get(DBT_MATERIALIZATION) == "view"}
    checks = {check for check in graph.asset_check_keys if check.asset_key in selection}
    selection -= views
    by_year = changes.since_year is not None and bool(models)
    if by_year:
        state.mark_in_progress(settings, held)
        state.set_recompute_year(settings, changes.since_year, changes.prefixes, held)
    return changes, selection, checks, by_year


def record_build(settings: Settings, tables: dict[str, list[str]], yearly: tuple[str, ...], succeeded: bool,
                 fingerprints: dict | None, parts: dict[str, tuple[str, dict[str, list[str]]]] | None = None) -> None:
    """Keep what a successful refresh was built from (the next one recomputes only what
    changed); forget it after a failure (the next one recomputes everything)."""
    import duckdb

    from orchestration import incremental as state

    try:
        if succeeded:
            state.record_success(settings, list(tables), yearly, fingerprints,
                                 {table: column for table, (column, _) in (parts or {}).items()})
        else:
            state.forget(settings)
    except duckdb.Error as error:  # the next refresh recomputes everything: slower, still right
        say(f"état de la construction non enregistré ({type(error).__name__}) : le prochain rafraîchissement "
            "recalculera tout")


def prepare(args: argparse.Namespace) -> int:
    """Parse the dbt project for these settings ahead of the first refresh (`make install`):
    the manifest the Dagster definitions read, and the partial-parse state of the build
    database's own dbt target folder, which `dbt build` would otherwise make from scratch.
    Nothing is read, built or published; run again, it only checks that nothing changed."""
    import time

    from orchestration.settings import DBT_PROJECT_DIR, parse_is_stale

    settings = resolve_settings(args)
    target = settings.dbt_target_dir
    # Checked before importing dbt and Dagster (4 s): `make run` installs first, every time.
    if not parse_is_stale(DBT_PROJECT_DIR / "target" / "manifest.json") and \
            not parse_is_stale(target / "partial_parse.msgpack"):
        print(f"projet dbt déjà préparé pour {settings.build_db.name}")
        return 0
    from orchestration.transform.dbt import dbt_project, dbt_resource, prepare_manifest

    started = time.monotonic()
    prepare_manifest(dbt_project(), settings.dbt_vars_json())
    target.mkdir(parents=True, exist_ok=True)
    dbt_resource().cli(["parse", "--quiet", "--vars", settings.dbt_vars_json()], target_path=target).wait()
    print(f"projet dbt préparé en {time.monotonic() - started:.0f} s pour {settings.build_db.name} "
          f"({settings.landing_dir})")
    return 0


def validate(args: argparse.Namespace) -> int:
    from ingest.validation import validate_files

    results = validate_files([Path(f) for f in args.files])
    failed = 0
    for path, violations in results:
        if violations:
            failed += 1
            print(f"✗ {path} :")
            for violation in violations:
                print(f"  {violation}")
        else:
            print(f"✓ {path} : conforme")
    return 1 if failed else 0


def status(args: argparse.Namespace, sources: list[SourceSpec] | None = None) -> int:
    import json

    from ingest.registry import SOURCE_LIST
    from orchestration.status import collect, render

    settings = resolve_settings(args)
    found = collect(settings, SOURCE_LIST if sources is None else sources)
    print(json.dumps(found, ensure_ascii=False, indent=2) if args.json else render(found))
    if found["publie"] is None:
        return 2
    attempt = found["derniere_tentative"]
    return 1 if attempt and not attempt["succes"] else 0


def report(args: argparse.Namespace) -> int:
    from report import write_report

    settings = Settings.from_env()
    warehouse = Path(args.warehouse).resolve() if args.warehouse else settings.warehouse
    out_dir = Path(args.out).resolve() if args.out else warehouse.parent / "rapport"
    if not warehouse.is_file():
        print(f"ctg report : l'entrepôt publié {warehouse} est absent ; lancez d'abord ctg refresh.", file=sys.stderr)
        return 2
    files = write_report(warehouse, out_dir, settings.chart_cache_dir if warehouse == settings.warehouse else None)
    print(f"rapport : {files.html} ({files.sections} sections, {files.tables} tableaux, {files.charts} graphiques)")
    print(f"classeur : {files.workbook}")
    return 0


def archive(args: argparse.Namespace) -> int:
    from ingest.archive import AmbiguousWithdrawal, Archive

    settings = resolve_settings(args)
    archived = Archive(settings.archive_dir)
    if args.retirer:
        try:
            withdrawn = archived.withdraw(args.retirer)
        except AmbiguousWithdrawal as ambiguous:
            print(f"ctg archive : plusieurs fichiers archivés s'appellent « {args.retirer} » : "
                  f"{', '.join(ambiguous.paths)} ; donnez le chemin de celui à retirer", file=sys.stderr)
            return 1
        if not withdrawn:
            print(f"ctg archive : aucun fichier archivé ne correspond à « {args.retirer} » (voir ctg archive)",
                  file=sys.stderr)
            return 1
        for entry in withdrawn:
            print(f"retiré : {entry.path} ({entry.source}, {entry.sha256[:12]})")
        print("la base de construction le garde jusqu'au prochain : ctg refresh --rebuild")
        return 0
    entries = archived.entries()
    print(f"archive {archived.root} : {len(entries)} fichier(s) chargé(s)")
    for entry in entries:
        note = "" if entry.content else " (données personnelles : non copié)"
        print(f"{entry.arrived_at}  {entry.sha256[:12]}  {entry.source:<28} {entry.unit:<24} {entry.path}{note}")
    return 0


def main(argv: list[str] | None = None, sources: list[SourceSpec] | None = None) -> int:
    """`sources`: the registry's; a test may add a fake source to them."""
    parser = argparse.ArgumentParser(prog="ctg", description="Entrepôt de la Convention Territoriale Globale")
    commands = parser.add_subparsers(dest="command", required=True)
    refresh_parser = commands.add_parser("refresh", help="rafraîchir et publier l'entrepôt")
    refresh_parser.add_argument("--landing", help=f"dossier des extraits (CTG_LANDING_DIR, défaut {DEFAULT_LANDING})")
    refresh_parser.add_argument("--sample", action="store_true", help="utiliser l'échantillon intégré data/sample/")
    refresh_parser.add_argument("--warehouse", help=f"fichier DuckDB publié (CTG_WAREHOUSE, défaut {DEFAULT_WAREHOUSE})")
    refresh_parser.add_argument(
        "--territory",
        help=f"SIREN de l'EPCI, ou plusieurs séparés par des virgules, ou all-in-departement[:DD] (chaque EPCI du "
             f"département, CTG_DEPARTEMENT, défaut 62), ou all (chaque EPCI du fichier de composition) ; "
             f"le premier SIREN est le territoire principal (CTG_TERRITORY_EPCI, défaut {DEFAULT_TERRITORY})",
    )
    refresh_parser.add_argument(
        "--all-departement-communes", action="store_true",
        help="publier aussi chaque commune du département de comparaison (CTG_TOUTES_COMMUNES_DEPARTEMENT=1)",
    )
    refresh_parser.add_argument(
        "--rebuild", action="store_true",
        help="refaire la base de construction à partir de l'archive des fichiers chargés (sans ceux retirés "
             "par ctg archive --retirer), puis du dossier d'arrivée",
    )
    refresh_parser.set_defaults(handler=refresh)
    prepare_parser = commands.add_parser(
        "prepare", help="préparer le projet dbt avant le premier rafraîchissement (make install le fait pour --sample)")
    prepare_parser.add_argument("--landing", help=f"dossier des extraits (CTG_LANDING_DIR, défaut {DEFAULT_LANDING})")
    prepare_parser.add_argument("--sample", action="store_true", help="l'échantillon intégré data/sample/")
    prepare_parser.add_argument("--warehouse", help=f"fichier DuckDB publié (CTG_WAREHOUSE, défaut {DEFAULT_WAREHOUSE})")
    prepare_parser.add_argument("--all-departement-communes", action="store_true",
                                help="comme ctg refresh --all-departement-communes")
    prepare_parser.set_defaults(handler=prepare, territory=None)
    validate_parser = commands.add_parser("validate", help="contrôler des extraits sans rien charger")
    validate_parser.add_argument("files", nargs="+")
    validate_parser.set_defaults(handler=validate)
    status_parser = commands.add_parser("status", help="état de l'entrepôt : publication, entrées, sources en retard")
    status_parser.add_argument("--landing", help=f"dossier des extraits (CTG_LANDING_DIR, défaut {DEFAULT_LANDING})")
    status_parser.add_argument("--sample", action="store_true", help="l'échantillon intégré data/sample/")
    status_parser.add_argument("--warehouse", help=f"fichier DuckDB publié (CTG_WAREHOUSE, défaut {DEFAULT_WAREHOUSE})")
    status_parser.add_argument("--json", action="store_true", help="sortie JSON pour les scripts")
    status_parser.set_defaults(handler=status, territory=None, all_departement_communes=False)
    archive_parser = commands.add_parser("archive", help="fichiers chargés, archivés par empreinte ; en retirer un")
    archive_parser.add_argument("--landing", help=f"dossier des extraits (CTG_LANDING_DIR, défaut {DEFAULT_LANDING})")
    archive_parser.add_argument("--sample", action="store_true", help="l'échantillon intégré data/sample/")
    archive_parser.add_argument("--warehouse", help=f"fichier DuckDB publié (CTG_WAREHOUSE, défaut {DEFAULT_WAREHOUSE})")
    archive_parser.add_argument("--retirer", metavar="FICHIER_OU_EMPREINTE",
                                help="retirer un fichier chargé par erreur (chemin, nom, ou début d'empreinte) ; "
                                     "pris en compte au prochain ctg refresh --rebuild")
    archive_parser.set_defaults(handler=archive, territory=None, all_departement_communes=False)
    report_parser = commands.add_parser("report", help="régénérer le rapport (HTML et Excel) depuis l'entrepôt publié")
    report_parser.add_argument("--warehouse", help=f"fichier DuckDB publié (CTG_WAREHOUSE, défaut {DEFAULT_WAREHOUSE})")
    report_parser.add_argument("--out", help="dossier du rapport (défaut : dossier « rapport » à côté de l'entrepôt)")
    report_parser.set_defaults(handler=report)
    args = parser.parse_args(argv)
    return args.handler(args, sources) if args.handler in (refresh, status) else args.handler(args)


def entry() -> None:
    """The `ctg` command. Once the command is done, its exit handlers run (logging's flush,
    Dagster's temporary folders), then the process ends without Python's teardown: freeing
    the objects of Dagster, dbt and pandas one by one took 2 s after every refresh."""
    try:
        code = main()
    except SystemExit as stop:  # argparse's --help and usage errors
        code = stop.code if isinstance(stop.code, int) else (0 if stop.code is None else 1)
        if stop.code is not None and not isinstance(stop.code, int):
            print(stop.code, file=sys.stderr)
    # Python's own exit, up to its teardown: wake the idle workers of thread pools left open,
    # wait for the other threads, then the exit handlers.
    threading._shutdown()
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    entry()
