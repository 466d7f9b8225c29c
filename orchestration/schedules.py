"""When the refresh runs: every night, and when new extracts land."""

from __future__ import annotations

import hashlib
import json

import dagster as dg

from orchestration.settings import Settings


def nightly_schedule(job) -> dg.ScheduleDefinition:
    return dg.ScheduleDefinition(
        name="nightly_refresh",
        job=job,
        cron_schedule="0 2 * * *",
        execution_timezone="Europe/Paris",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description="Rafraîchissement complet chaque nuit à 2 h (heure de Paris).",
    )


def landing_signature(settings: Settings) -> dict[str, list[float]]:
    """Name, size and modification time of every file in the landing folder."""
    if not settings.landing_dir.is_dir():
        return {}
    return {
        str(p.relative_to(settings.landing_dir)): [p.stat().st_size, p.stat().st_mtime]
        for p in sorted(settings.landing_dir.rglob("*"))
        if p.is_file() and not p.name.startswith(".")
    }


def landing_sensor(job, settings: Settings) -> dg.SensorDefinition:
    """Debounced: a file is read only once two evaluations (5 minutes apart) saw it with the same
    size and modification time, so that a file still being copied is never loaded half-written.
    While any file is unsettled, no run starts (a refresh reads the whole landing folder). The
    run names the files that triggered it (tag `ctg/fichiers_modifies`)."""

    @dg.sensor(
        name="landing_sensor",
        job=job,
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Lance un rafraîchissement quand un fichier déposé ou modifié dans le dossier d'arrivée "
                    "n'a plus changé depuis l'évaluation précédente.",
    )
    def _sensor(context: dg.SensorEvaluationContext):
        signature = landing_signature(settings)
        cursor = json.loads(context.cursor) if context.cursor else {}
        if cursor and "vu" not in cursor:  # the cursor of an earlier version: the signature run
            cursor = {"vu": cursor, "lance": cursor}
        seen, launched = cursor.get("vu", {}), cursor.get("lance", {})
        unsettled = sorted(name for name in signature if signature[name] != seen.get(name))
        if unsettled:
            context.update_cursor(json.dumps({"vu": signature, "lance": launched}))
            shown = ", ".join(unsettled[:5]) + (" …" if len(unsettled) > 5 else "")
            return dg.SkipReason(f"fichier(s) nouveau(x) ou en cours de copie, lus quand ils n'auront plus changé : {shown}")
        if signature == launched:
            return dg.SkipReason("aucun fichier nouveau ou modifié dans le dossier d'arrivée")
        context.update_cursor(json.dumps({"vu": signature, "lance": signature}))
        if not signature:
            return dg.SkipReason("dossier d'arrivée vide")
        changed = [name for name in signature if signature[name] != launched.get(name)]
        removed = [name for name in launched if name not in signature]
        run_key = hashlib.sha256(json.dumps(signature, sort_keys=True).encode()).hexdigest()
        tags = {"ctg/fichiers_modifies": ", ".join(changed)[:1000]}
        if removed:
            tags["ctg/fichiers_retires"] = ", ".join(removed)[:1000]
        return dg.RunRequest(run_key=run_key, tags=tags)

    return _sensor


@dg.run_failure_sensor(
    name="alerte_echec",
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Une ligne d'alerte dans les journaux, et le webhook CTG_ALERT_WEBHOOK s'il est configuré, "
                "quand un rafraîchissement échoue.",
)
def failure_alert(context: dg.RunFailureSensorContext) -> None:
    from orchestration.alerts import alert

    message = context.failure_event.message or "échec"
    alert(f"le run {context.dagster_run.job_name} ({context.dagster_run.run_id[:8]}) a échoué",
          [message], log=context.log.error)
