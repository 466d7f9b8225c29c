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
from ingest.sources import caf_legacy, caf_onape, caf_partner, caf_portal, insee_births, insee_census, insee_populations

Log = Callable[[str], None]


@dataclass(frozen=True)
class SourceSpec:
    source: str  # discovery name
    table: str  # raw table in the build database
    columns: str  # DDL of the raw table's own columns (load metadata is added)
    read: Callable[[Extract], pd.DataFrame]  # the reader: structural contract, typed frame
    # Unit id and row filter: what a file of this source replaces (see ingest.load).
    unit: Callable[[Extract, pd.DataFrame | None], tuple[str, dict[str, object]]]
    suite: Callable[[Extract, pd.DataFrame], list[quality.Rule]]  # GX rules for the frame
    rows: Callable[[Extract, pd.DataFrame], pd.DataFrame] = lambda _e, frame: frame  # rows to load
    unit_from_name: bool = False  # the unit is given by the file's name or folder, not its rows
    # Two files of the landing giving the same (year, variable) is an error, not an update:
    # for the partner extract, a re-download "(1)" may sort before the stale original.
    overlap_is_conflict: bool = False


def by_years(prefix: str, extra_filter: dict[str, object] | None = None, scope: str | None = None):
    """Unit of a file that may hold several years: it replaces those years (of its kind).

    With `scope` (a column such as `variable`), it replaces only the (year, value) pairs it
    holds: a partner extract with 2018 `am_actives` leaves 2018 `familles_afi` of another
    extract alone, and a census IRIS edition leaves the variables it lacks to the commune one.
    """

    def unit(_extract: Extract, frame: pd.DataFrame) -> tuple[str, dict[str, object]]:
        years = sorted(int(y) for y in frame["annee"].dropna().unique())
        name = f"{prefix}/{','.join(map(str, years))}"
        if scope is None:
            return name, {**(extra_filter or {}), "annee": years}
        pairs = sorted({(int(y), str(v)) for y, v in zip(frame["annee"], frame[scope]) if pd.notna(v)})
        name += "/" + ",".join(sorted({v for _y, v in pairs}))
        return name, {**(extra_filter or {}), ("annee", scope): pairs}

    return unit


def commune_rules(value_columns: list[str], special_allowed: bool = True) -> list[quality.Rule]:
    return [
        quality.rule("code_commune", "code commune invalide", "ExpectColumnValuesToMatchRegex", column="code_commune",
                     regex=quality.COMMUNE_OR_SPECIAL if special_allowed else quality.COMMUNE),
        quality.rule("annee_plausible", "année hors de 1990–2100", "ExpectColumnValuesToBeBetween",
                     column="annee", min_value=1990, max_value=2100),
        *quality.non_negative_counts(value_columns),
    ]


SOURCES: dict[str, SourceSpec] = {
    "caf_legacy": SourceSpec(
        source="caf_legacy",
        table="raw.caf_legacy",
        columns=(
            "theme varchar not null, annee integer not null, code_commune varchar not null, "
            "libelle_commune varchar, est_special boolean not null, variable varchar not null, "
            "valeur bigint, ligne bigint not null"
        ),
        read=lambda e: caf_legacy.read_legacy_file(e.path, caf_legacy.THEMES[e.theme], e.year),
        unit=lambda e, _frame: (f"{e.theme}/{e.year}", {"theme": e.theme, "annee": e.year}),
        unit_from_name=True,
        suite=lambda e, frame: caf_legacy.THEMES[e.theme].suite(caf_legacy.variables_of(frame)),
        rows=lambda e, frame: caf_legacy.to_long(frame, caf_legacy.THEMES[e.theme]),
    ),
    "insee_populations_legales": SourceSpec(
        source="insee_populations_legales",
        table="raw.insee_populations_legales",
        columns=(
            "annee integer not null, code_commune varchar not null, libelle_commune varchar, "
            "pmun bigint not null, pcap bigint not null, ptot bigint not null, ligne bigint not null"
        ),
        read=lambda e: insee_populations.read_populations(e.path, e.year),
        unit=lambda e, _frame: (str(e.year), {"annee": e.year}),
        unit_from_name=True,
        suite=lambda _e, _frame: quality.SUITES["insee_populations_legales"],
    ),
    "insee_recensement_ages": SourceSpec(
        source="insee_recensement_ages",
        table="raw.insee_recensement_ages",
        columns=(
            "code_commune varchar not null, annee integer not null, variable varchar not null, "
            "valeur double, edition varchar not null, ligne bigint not null"
        ),
        read=lambda e: insee_census.read_census_ages(e.path),
        unit=by_years("recensement", scope="variable"),
        suite=lambda _e, _frame: commune_rules(["valeur"], special_allowed=False),
    ),
    "insee_naissances": SourceSpec(
        source="insee_naissances",
        table="raw.insee_naissances",
        columns="code_commune varchar not null, annee integer not null, naissances double, ligne bigint not null",
        read=lambda e: insee_births.read_births(e.path),
        unit=by_years("naissances"),
        suite=lambda _e, _frame: commune_rules(["naissances"], special_allowed=False),
    ),
    "caf_partenaire": SourceSpec(
        source="caf_partenaire",
        table="raw.caf_partenaire",
        columns=(
            "code_commune varchar not null, annee integer not null, variable varchar not null, "
            "valeur bigint, est_special boolean not null, ligne bigint not null"
        ),
        read=lambda e: caf_partner.read_partner_extract(e.path),
        unit=by_years("partenaire", scope="variable"),
        overlap_is_conflict=True,
        suite=lambda _e, _frame: commune_rules(["valeur"]),
    ),
    "caf_portail": SourceSpec(
        source="caf_portail",
        table="raw.caf_portail",
        columns=(
            "jeu varchar not null, annee integer not null, mois integer not null, code_commune varchar not null, "
            "libelle_commune varchar, dimension varchar not null, est_special boolean not null, "
            "variable varchar not null, valeur double, ligne bigint not null"
        ),
        read=lambda e: caf_portal.read_portal_file(e.path, e.theme),
        unit=lambda e, frame: by_years(e.theme, {"jeu": e.theme})(e, frame),
        suite=lambda _e, frame: commune_rules(caf_portal.value_columns(frame)) + caf_portal.benefit_rules(frame),
        rows=lambda e, frame: caf_portal.to_long(frame, e.theme),
    ),
    "caf_onape": SourceSpec(
        source="caf_onape",
        table="raw.caf_onape",
        columns=(
            "mesure varchar not null, territoire_niveau varchar not null, territoire_code varchar not null, "
            "annee integer not null, variable varchar not null, valeur double, est_placeholder boolean not null, "
            "ligne bigint not null"
        ),
        read=lambda e: caf_onape.read_onape(e.path, *e.theme.split("/")),
        unit=lambda e, frame: by_years(e.theme, {"mesure": e.theme.split("/")[0],
                                                 "territoire_niveau": caf_onape.LEVELS[e.theme.split("/")[1]]})(e, frame),
        suite=lambda _e, _frame: quality.non_negative_counts(["valeur"]),
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
    # Two rejected files of one refresh may share a name (2016/ and 2021/donnees_communes.csv).
    for n in range(1, 1000):
        if not (target_dir / path.name).exists():
            break
        target_dir = quarantine_dir / f"{stamp}-{n}"
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


def display_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def competing_files(
    spec: SourceSpec, extracts: list[Extract], hashes: dict[Path, str], root: Path
) -> dict[Path, ContractViolation]:
    """Files that name the same unit (theme and year) with different contents.

    Which one is right cannot be guessed (an older copy in a sub-folder, a corrected file
    next to the original): none of them is loaded and the refresh fails until one is
    removed. Identical copies are harmless: the first one is loaded.
    """
    if not spec.unit_from_name:
        return {}
    by_unit: dict[str, list[Extract]] = {}
    for extract in extracts:
        if extract.error is None:
            by_unit.setdefault(spec.unit(extract, None)[0], []).append(extract)
    competing: dict[Path, ContractViolation] = {}
    for unit, group in by_unit.items():
        if len({hashes[e.path] for e in group}) < 2:
            continue
        names = ", ".join(display_path(e.path, root) for e in group)
        for extract in group:
            competing[extract.path] = ContractViolation(
                display_path(extract.path, root), "fichier_unique",
                f"plusieurs fichiers différents pour la même source et la même année ({unit}) : {names} ; "
                "retirez ceux qui sont périmés du dossier d'arrivée",
            )
    return competing


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
        hashes = {extract.path: file_sha256(extract.path) for extract in extracts}
        ambiguous = competing_files(spec, extracts, hashes, landing.root)
        # Files whose units come from their rows may overlap (census editions, births files
        # of successive years): when any of them is new, all are loaded again in path order,
        # so that the outcome never depends on which files earlier runs had seen.
        reload_all = not spec.unit_from_name and any(
            e.error is not None or not is_loaded(con, spec.table, hashes[e.path]) for e in extracts
        )
        claimed: dict[tuple, str] = {}  # (year, variable) -> file, for overlap_is_conflict
        for number, extract in enumerate(extracts, start=1):
            name = extract.path.name
            prefix = f"{spec.source} [{number}/{len(extracts)}] {display_path(extract.path, landing.root)}"
            file_hash = hashes[extract.path]
            if extract.path in ambiguous:
                report.violations.append(ambiguous[extract.path])
                log(f"{prefix} : NON CHARGÉ, {ambiguous[extract.path].message}")
                continue
            # A unit named by the file (theme/year) must hold this very file; a unit read from
            # the content is the same for the same content, so the hash alone tells.
            named_unit = spec.unit(extract, None)[0] if spec.unit_from_name else None
            if not reload_all and extract.error is None and is_loaded(con, spec.table, file_hash, named_unit):
                report.files_unchanged.append(name)
                log(f"{prefix} : inchangé (empreinte déjà chargée), ignoré")
                continue
            try:
                if extract.error is not None:
                    raise extract.error
                frame = spec.read(extract)
                violations = quality.validate(spec.suite(extract, frame), frame, name)
            except ContractError as error:
                violations = error.violations
            for violation in violations:  # "2021/donnees_communes.csv", not just its name
                violation.file = display_path(extract.path, landing.root)
            if violations:
                report.violations.extend(violations)
                target = quarantine(extract.path, violations, quarantine_dir, keep_originals)
                report.quarantined.append(str(target))
                log(f"{prefix} : REJETÉ ({len(violations)} anomalie(s)), mis en quarantaine : {target.parent}")
                continue
            unit, unit_filter = spec.unit(extract, frame)
            if spec.overlap_is_conflict:
                pairs = {pair for key, values in unit_filter.items() if isinstance(key, tuple) for pair in values}
                rivals = sorted({claimed[pair] for pair in pairs if pair in claimed})
                if rivals:
                    violation = ContractViolation(
                        display_path(extract.path, landing.root), "fichier_unique",
                        f"donne les mêmes chiffres (année, variable) que {', '.join(rivals)} ; "
                        "retirez du dossier d'arrivée l'extrait périmé",
                    )
                    report.violations.append(violation)
                    log(f"{prefix} : NON CHARGÉ, {violation.message}")
                    continue
                claimed.update({pair: display_path(extract.path, landing.root) for pair in pairs})
            for flag in ("est_special", "est_placeholder"):  # counted and reported, never aggregated
                if flag in frame:
                    report.special_rows += int(frame.loc[frame[flag], "ligne"].nunique())
            rows = replace_unit(con, spec.table, unit, unit_filter, spec.rows(extract, frame), name, file_hash)
            report.files_loaded.append(name)
            report.rows_loaded += rows
            log(f"{prefix} : {rows} lignes chargées (unité {unit})")
    return report
