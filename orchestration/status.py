"""`ctg status`: what the published warehouse holds and how fresh its sources are, in French
on one screen, or as JSON for scripts and monitoring.

It reads the published file (row counts of its tables), the load ledger of the build database
(each file loaded: source, unit, hash, date; read-only, so never during a refresh, which holds
the build file) and the record of the last refresh attempt, written by `ctg refresh`
(`derniere_execution.json` beside the warehouse). A source is overdue when its newest file
arrived longer ago than its cadence (registry) allows.
"""

from __future__ import annotations

import datetime as dt
import json
import os

import duckdb

from ingest.load import LOADS_TABLE
from ingest.registry import SourceSpec
from orchestration.settings import Settings

LAST_ATTEMPT = "derniere_execution.json"
# How long after its newest file a source is overdue: its cadence and a margin.
OVERDUE_AFTER_DAYS = {"annuelle": 400, "trimestrielle": 100, "mensuelle": 40}


def newest_arrivals(settings: Settings) -> dict[str, dt.datetime]:
    """When the newest file of each source arrived, from the archive: arrival dates survive a
    rebuild of the build database (whose load times would then all be today's)."""
    from ingest.archive import Archive

    newest: dict[str, dt.datetime] = {}
    for entry in Archive(settings.archive_dir).entries():
        arrived = dt.datetime.fromisoformat(entry.arrived_at)
        newest[entry.source] = max(newest.get(entry.source, arrived), arrived)
    return newest


def archive_summary(settings: Settings) -> dict:
    """What the archive holds: the files a rebuild would load again, and their size on disk."""
    from ingest.archive import Archive

    archive = Archive(settings.archive_dir)
    entries = archive.entries()
    contents = {e.sha256 for e in entries if e.content}
    return {"dossier": str(archive.root), "fichiers": len(entries),
            "octets": sum(archive.content_path(h).stat().st_size for h in contents if archive.content_path(h).is_file()),
            "contenus_manquants": [e.path for e in archive.missing()]}


def overdue_days(spec: SourceSpec, newest: dt.datetime | None, today: dt.date) -> int | None:
    """Days since the newest file when that is longer than the source's cadence allows."""
    if newest is None:
        return None
    age = (today - newest.date()).days
    return age if age > OVERDUE_AFTER_DAYS[spec.cadence] else None


def record_attempt(settings: Settings, started: dt.datetime, success: bool, published: bool,
                   problems: list[str], warnings: list[str], report: str | None) -> None:
    """Written at the end of every refresh, beside the warehouse (then renamed: never torn)."""
    record = {
        "debut": started.isoformat(timespec="seconds"), "fin": dt.datetime.now().isoformat(timespec="seconds"),
        "succes": success, "publie": published, "problemes": problems, "avertissements": warnings, "rapport": report,
        "arrivee": str(settings.landing_dir),
    }
    target = settings.runtime_dir / LAST_ATTEMPT
    staged = target.with_suffix(".json.tmp")
    staged.write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
    os.replace(staged, target)


def collect(settings: Settings, sources: list[SourceSpec], today: dt.date | None = None) -> dict:
    today = today or dt.date.today()
    status: dict = {"entrepot": str(settings.warehouse), "publie": None, "tables": {}, "entrees": [],
                    "en_retard": [], "derniere_tentative": None, "base_de_construction": "absente"}
    if settings.warehouse.is_file():
        status["publie"] = dt.datetime.fromtimestamp(settings.warehouse.stat().st_mtime).isoformat(timespec="seconds")
        with duckdb.connect(str(settings.warehouse), read_only=True) as con:
            for schema, table in con.execute("select table_schema, table_name from information_schema.tables "
                                             "where table_type = 'BASE TABLE' order by 1, 2").fetchall():
                status["tables"][f"{schema}.{table}"] = con.execute(f'select count(*) from "{schema}"."{table}"').fetchone()[0]
    attempt = settings.runtime_dir / LAST_ATTEMPT
    if attempt.is_file():
        status["derniere_tentative"] = json.loads(attempt.read_text(encoding="utf-8"))
    by_table = {spec.table: spec for spec in sources}
    newest: dict[str, dt.datetime] = {}
    if settings.build_db.is_file():
        try:
            with duckdb.connect(str(settings.build_db), read_only=True) as con:
                loads = con.execute(f"select table_name, unit, source_file, file_hash, loaded_at, row_count "
                                    f"from {LOADS_TABLE} order by table_name, loaded_at").fetchall()
            status["base_de_construction"] = "lue"
        except duckdb.Error:  # held by a running refresh (one writer), or unreadable
            loads = []
            status["base_de_construction"] = "occupée (rafraîchissement en cours ?) ou illisible"
        for table, unit, source_file, file_hash, loaded_at, rows in loads:
            spec = by_table.get(table)
            name = spec.name if spec else table
            status["entrees"].append({"source": name, "unite": unit, "fichier": source_file, "empreinte": file_hash[:12],
                                      "charge_le": loaded_at.isoformat(timespec="seconds"), "lignes": rows})
            loaded_at = loaded_at.astimezone().replace(tzinfo=None)  # local, like the archive's dates
            newest[name] = max(newest.get(name, loaded_at), loaded_at)
    newest.update(newest_arrivals(settings))
    status["archive"] = archive_summary(settings)
    if status["base_de_construction"] == "lue":
        for spec in sources:
            if spec.name in newest:
                if (age := overdue_days(spec, newest[spec.name], today)) is not None:
                    status["en_retard"].append({"source": spec.name, "libelle": spec.label, "cadence": spec.cadence,
                                                "dernier_fichier": newest[spec.name].date().isoformat(), "jours": age})
            elif spec.expected:
                status["en_retard"].append({"source": spec.name, "libelle": spec.label, "cadence": spec.cadence,
                                            "dernier_fichier": None, "jours": None})
    return status


def render(status: dict) -> str:
    lines = [f"Entrepôt publié : {status['entrepot']}"]
    if status["publie"] is None:
        lines.append("  absent : aucun rafraîchissement n'a encore publié ; lancez ctg refresh.")
    else:
        lines.append(f"  publié le {french_datetime(status['publie'])} ; tables :")
        lines += [f"    {name} : {rows:,} lignes".replace(",", "\u202f") for name, rows in status["tables"].items()]
    attempt = status["derniere_tentative"]
    if attempt:
        outcome = "réussie" if attempt["succes"] else ("publiée, rapport en échec" if attempt["publie"] else "en échec")
        lines.append(f"Dernière tentative : {french_datetime(attempt['fin'])}, {outcome}")
        lines += [f"  ✗ {problem}" for problem in attempt["problemes"][:8]]
        lines += [f"  ⚠ {warning}" for warning in attempt["avertissements"][:4]]
        if attempt.get("rapport"):
            lines.append(f"  rapport : {attempt['rapport']}")
    files = {(entry["source"], entry["fichier"]) for entry in status["entrees"]}
    lines.append(f"Entrées chargées : {len(files)} fichier(s) de {len({s for s, _f in files})} source(s) "
                 f"(base de construction {status['base_de_construction']})")
    latest: dict[str, dict] = {}
    for entry in status["entrees"]:
        latest[entry["source"]] = entry
    lines += [f"  {source} : {entry['fichier']} (unité {entry['unite']}, empreinte {entry['empreinte']}, "
              f"chargé le {french_datetime(entry['charge_le'])})" for source, entry in sorted(latest.items())]
    archived = status["archive"]
    lines.append(f"Archive : {archived['fichiers']} fichier(s) chargé(s), {archived['octets'] / 1e6:.1f} Mo "
                 f"({archived['dossier']})")
    lines += [f"  ✗ contenu absent de l'archive : {path}" for path in archived["contenus_manquants"]]
    if status["en_retard"]:
        lines.append("Sources en retard :")
        for late in status["en_retard"]:
            since = (f"dernier fichier le {french_date(late['dernier_fichier'])}, il y a {late['jours']} jours"
                     if late["dernier_fichier"] else "aucun fichier chargé")
            lines.append(f"  {late['libelle']} ({late['cadence']}) : {since}")
    else:
        lines.append("Aucune source en retard.")
    return "\n".join(lines)


def french_datetime(text: str) -> str:
    moment = dt.datetime.fromisoformat(text)
    return moment.strftime("%d/%m/%Y à %H:%M")


def french_date(text: str) -> str:
    return dt.date.fromisoformat(text).strftime("%d/%m/%Y")
