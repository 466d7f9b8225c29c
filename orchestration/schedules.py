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
    @dg.sensor(
        name="landing_sensor",
        job=job,
        minimum_interval_seconds=300,
        default_status=dg.DefaultSensorStatus.STOPPED,
        description="Lance un rafraîchissement quand un fichier est déposé ou modifié dans le dossier d'arrivée.",
    )
    def _sensor(context: dg.SensorEvaluationContext):
        signature = landing_signature(settings)
        previous = json.loads(context.cursor) if context.cursor else {}
        if signature == previous:
            return dg.SkipReason("aucun fichier nouveau ou modifié dans le dossier d'arrivée")
        context.update_cursor(json.dumps(signature))
        if not signature:
            return dg.SkipReason("dossier d'arrivée vide")
        changed = [name for name in signature if signature[name] != previous.get(name)]
        run_key = hashlib.sha256(json.dumps(signature, sort_keys=True).encode()).hexdigest()
        return dg.RunRequest(run_key=run_key, tags={"ctg/fichiers_modifies": ", ".join(changed)[:1000]})

    return _sensor
