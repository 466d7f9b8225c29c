"""One ingest step per source, without Dagster: discover, validate, quarantine or load.

Every file of the source found in the landing folder is hashed; a file already loaded with
the same hash is skipped (never reread). Otherwise it is read by its reader (structural
contract), validated by its Great Expectations suite, and loaded into the build database, or
quarantined with a French report when it breaks any rule. Violations of every file are
collected so that one run tells the user everything that is wrong.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from ingest import quality
from ingest.csvfile import file_sha256
from ingest.discovery import Extract, Landing
from ingest.errors import ContractError, ContractViolation
from ingest.load import ensure_table, is_loaded, replace_unit
from ingest.sources import caf_legacy, insee_populations

Log = Callable[[str], None]


@dataclass(frozen=True)
class SourceSpec:
    source: str  # discovery name
    table: str  # raw table in the build database
    suite: str  # GX suite
    columns: str  # DDL of the raw table's own columns (load metadata is added)
    read: Callable[[Extract], pd.DataFrame]
    unit: Callable[[Extract], tuple[str, dict[str, object]]]  # unit id and its row filter


SOURCES: dict[str, SourceSpec] = {
    "caf_legacy": SourceSpec(
        source="caf_legacy",
        table="raw.caf_legacy",
        suite="caf_legacy",
        columns=(
            "theme varchar not null, annee integer not null, code_commune varchar not null, "
            "libelle_commune varchar, est_special boolean not null, variable varchar not null, "
            "valeur bigint, ligne bigint not null"
        ),
        read=lambda e: caf_legacy.read_legacy_file(e.path, caf_legacy.THEMES[e.theme], e.year),
        unit=lambda e: (
            f"{caf_legacy.THEMES[e.theme].theme}/{e.year}",
            {"theme": caf_legacy.THEMES[e.theme].theme, "annee": e.year},
        ),
    ),
    "insee_populations_legales": SourceSpec(
        source="insee_populations_legales",
        table="raw.insee_populations_legales",
        suite="insee_populations_legales",
        columns=(
            "annee integer not null, code_commune varchar not null, libelle_commune varchar, "
            "pmun bigint not null, pcap bigint not null, ptot bigint not null, ligne bigint not null"
        ),
        read=lambda e: insee_populations.read_populations(e.path, e.year),
        unit=lambda e: (str(e.year), {"annee": e.year}),
    ),
}


@dataclass
class IngestReport:
    source: str
    files_found: int = 0
    files_loaded: list[str] = field(default_factory=list)
    files_unchanged: list[str] = field(default_factory=list)
    rows_loaded: int = 0
    special_rows: int = 0
    violations: list[ContractViolation] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.violations


def quarantine(path: Path, violations: list[ContractViolation], quarantine_dir: Path, keep_original: bool) -> Path:
    """Move (or copy, for the read-only bundled sample) a rejected file next to its report."""
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target_dir = quarantine_dir / stamp
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    if keep_original:
        shutil.copy2(path, target)
    else:
        shutil.move(path, target)
    report = target_dir / f"{path.name}.rapport.txt"
    lines = [
        f"Fichier rejeté : {path}",
        f"Date : {datetime.now().isoformat(timespec='seconds')}",
        "Le fichier n'a pas été chargé ; l'entrepôt publié n'a pas changé.",
        "",
        *(f"- {v}" for v in violations),
        "",
    ]
    report.write_text("\n".join(lines), encoding="utf-8")
    return target


def ingest_source(
    spec: SourceSpec,
    landing: Landing,
    build_db: Path,
    quarantine_dir: Path,
    keep_originals: bool,
    log: Log = print,
) -> IngestReport:
    extracts = landing.of(spec.source)
    report = IngestReport(source=spec.source, files_found=len(extracts))
    with duckdb.connect(str(build_db)) as con:
        ensure_table(con, spec.table, spec.columns)
        if not extracts:
            log(f"{spec.source} : aucun fichier dans {landing.root} (les chargements précédents sont conservés)")
        for number, extract in enumerate(extracts, start=1):
            name = extract.path.name
            prefix = f"{spec.source} [{number}/{len(extracts)}] {name}"
            unit, unit_filter = spec.unit(extract)
            file_hash = file_sha256(extract.path)
            if is_loaded(con, spec.table, unit, file_hash):
                report.files_unchanged.append(name)
                log(f"{prefix} : inchangé (empreinte déjà chargée), ignoré")
                continue
            try:
                frame = spec.read(extract)
                violations = quality.validate(spec.suite, frame, name)
            except ContractError as error:
                violations = error.violations
            if violations:
                report.violations.extend(violations)
                target = quarantine(extract.path, violations, quarantine_dir, keep_originals)
                report.quarantined.append(str(target))
                log(f"{prefix} : REJETÉ ({len(violations)} anomalie(s)), mis en quarantaine : {target.parent}")
                continue
            if "est_special" in frame:
                special = frame.loc[frame["est_special"], ["code_commune", "ligne"]].drop_duplicates()
                report.special_rows += len(special)
            rows = replace_unit(con, spec.table, unit, unit_filter, frame, name, file_hash)
            report.files_loaded.append(name)
            report.rows_loaded += rows
            log(f"{prefix} : {rows} lignes chargées (unité {unit})")
    return report
