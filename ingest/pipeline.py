"""One ingest step per source, without Dagster: discover, validate, quarantine or load.

Every file of the source found in the landing folder is hashed; a file already loaded with
the same hash is skipped (never reread). Otherwise it is read by its reader (structural
contract), validated by its Great Expectations suite, and loaded into the build database, or
quarantined with a French report when it breaks any rule. Violations of every file are
collected so that one run tells the user everything that is wrong.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import shutil
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

import duckdb
import pandas as pd

from ingest import personal, quality
from ingest.archive import Archive, ArchivedFile, fsync_path
from ingest.csvfile import file_sha256, parsing_cursor
from ingest.errors import ContractError, ContractViolation
from ingest.extract import Extract, Landing
from ingest.load import (
    StagedUnit,
    commit_staged,
    current_loads,
    discard_staged,
    ensure_table,
    figures_recorded,
    in_loads,
    loaded_for_another_unit,
    loaded_unit,
    replace_unit,
    same_figures_for_another_year,
    stage_unit,
    table_in_layout,
    unit_figures,
)
from ingest.registry import SOURCES, SourceSpec

Log = Callable[[str], None]

# DuckDB checkpoints the build database whenever its write-ahead log passes 16 MB: every few
# files of a national source. Past 256 MB, seldom before the source ends (closing the
# connection checkpoints): the 110 national legacy files 44.5 s → 39 s (measured A/B), for
# 200 MB more memory while a source loads (1 GB: 2 s more for 800 MB more).
CHECKPOINT_THRESHOLD = "256MB"

# Files read ahead, each in a thread, while the current one loads. Reading is the slower side
# on national files (110 legacy files: 13 s of reading, 10 s of loading); two readers keep both
# cores busy.
READERS = 2


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


def quarantine(
    path: Path, violations: list[ContractViolation], quarantine_dir: Path, keep_original: bool, personal_data: bool = False
) -> Path:
    """Move (or copy, for the read-only bundled sample) a rejected file next to its report.

    A file holding personal data is never duplicated: it stays where it was dropped, and only
    the report (without any cell content) goes to the quarantine.
    """
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    target_dir = quarantine_dir / stamp
    # Two rejected files of one refresh may share a name (2016/ and 2021/donnees_communes.csv).
    for n in range(1, 1000):
        if not (target_dir / path.name).exists() and not (target_dir / f"{path.name}.rapport.txt").exists():
            break
        target_dir = quarantine_dir / f"{stamp}-{n}"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / path.name
    if personal_data:
        kept = ("Le fichier contient des données personnelles : il n'est pas copié ici et reste dans le dossier "
                "d'arrivée. Corrigez-le ou retirez-le.")
    elif keep_original:
        shutil.copy2(path, target, follow_symlinks=False)
        kept = ""
    else:
        # Copied and forced to disk before the original leaves the landing folder: a crash
        # in between leaves two copies, never none.
        shutil.copy2(path, target, follow_symlinks=False)
        if not target.is_symlink():
            fsync_path(target)
        fsync_path(target_dir)
        path.unlink()
        fsync_path(path.parent)
        kept = ""
    report = target_dir / f"{path.name}.rapport.txt"
    lines = [
        f"Fichier rejeté : {path}",
        f"Date : {datetime.now().isoformat(timespec='seconds')}",
        "Le fichier n'a pas été chargé ; l'entrepôt publié n'a pas changé.",
        *([kept] if kept else []),
        "",
        *(f"- {v}" for v in violations),
        "",
    ]
    report.write_text("\n".join(lines), encoding="utf-8")
    return report if personal_data else target


def display_path(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def hashed(extract: Extract, root: Path) -> tuple[Extract, str]:
    """The extract and its content hash. A file refused at discovery (a link out of the landing
    folder) is never read (hash ""); one that cannot be read is refused with its cause."""
    if extract.error is not None:
        return extract, ""
    try:
        return extract, file_sha256(extract.path)
    except OSError as error:
        cause = error.strerror or type(error).__name__
        return replace(extract, error=ContractError.single(
            display_path(extract.path, root), "fichier_illisible",
            f"fichier illisible ({cause}) ; vérifiez ses droits de lecture ou copiez-le à nouveau",
        )), ""


def modified_at(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:  # refused later with its cause (hashed)
        return 0.0


def competing_files(
    spec: SourceSpec, extracts: list[Extract], hashes: dict[Path, str], root: Path
) -> dict[Path, ContractViolation]:
    """Files that name the same unit (theme and year) with different contents.

    Which one is right cannot be guessed (an older copy in a sub-folder, a corrected file
    next to the original): none of them is loaded and the refresh fails until one is
    removed. Identical copies of one unit are harmless: the first one is loaded. Identical
    files named for different units (`cp NIVCOMTOTAL2018.csv NIVCOMTOTAL2019.csv`) are
    refused: two years of a source never have the same content.
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
    by_hash: dict[str, list[Extract]] = {}
    for group in by_unit.values():
        for extract in group:
            by_hash.setdefault(hashes[extract.path], []).append(extract)
    for group in by_hash.values():
        if len({spec.unit(e, None)[0] for e in group}) < 2:
            continue
        for extract in group:
            others = ", ".join(display_path(e.path, root) for e in group if e is not extract)
            competing[extract.path] = copied_file(display_path(extract.path, root), others)
    return competing


def copied_file(name: str, other: str, same: str = "contenu identique, octet pour octet, à") -> ContractViolation:
    return ContractViolation(
        name, "fichier_copie",
        f"{same} {other}, nommé pour une autre année : une copie renommée ? "
        "retirez-la du dossier d'arrivée (si c'est l'autre qui était mal nommé : ctg archive --retirer NOM, "
        "puis ctg refresh --rebuild)",
    )


def read_and_check(
    spec: SourceSpec, extract: Extract, pseudo_key: bytes | None
) -> tuple[pd.DataFrame | None, list[ContractViolation]]:
    """The reader, then the GX suite. A personal source is pseudonymised before its suite runs,
    and its violations never quote a cell."""
    try:
        if extract.error is not None:
            raise extract.error
        frame = spec.read(extract)
        if spec.personal:
            frame = personal.pseudonymise(frame, spec.identifying, pseudo_key)
        violations = quality.validate(spec.suite(extract, frame), frame, extract.path.name)
    except ContractError as error:
        frame, violations = None, error.violations
    except Exception as error:  # a reader's bug or an unreadable file: this file fails, not the source
        # For personal data, the error's text may quote the file: its kind only.
        detail = type(error).__name__ if spec.personal else f"{type(error).__name__} : {error}"
        frame, violations = None, [ContractViolation(
            extract.path.name, "lecture_impossible",
            f"erreur inattendue en lisant le fichier ({detail}) ; vérifiez le fichier, et signalez l'erreur s'il est correct",
        )]
    if spec.personal:
        expected = {c.split()[0].lower() for c in spec.columns.split(",")} | set(spec.identifying)
        violations = [personal.redact(v, expected) for v in violations]
    return frame, violations


def read_for_load(spec: SourceSpec, extract: Extract, pseudo_key: bytes | None,
                  stage: Callable[[Extract, pd.DataFrame], StagedUnit] | None = None) -> tuple:
    """read_and_check, then, when the file passed, the figures of the rows to load
    (`unit_figures`, for the copy check) and, with `stage`, the rows staged in the build
    database (`load.stage_unit`; a failure to stage is returned, to be raised by the loading
    thread): done here, in the reading thread, so that the loading thread (the bound on
    national files) has only the checks and the commit left."""
    frame, violations = read_and_check(spec, extract, pseudo_key)
    figures = staged = None
    if frame is not None and not violations and spec.same_figures_columns:
        with parsing_cursor() as cursor:
            figures = unit_figures(cursor, spec.rows(extract, frame), spec.unit(extract, frame)[1],
                                   spec.same_figures_columns)
    if frame is not None and not violations and stage is not None:
        try:
            staged = stage(extract, frame)
        except Exception as error:  # raised by the loading thread, where load() says it in French
            staged = error
    return frame, violations, figures, staged


def read_ahead(extracts: list[Extract], read: Callable[[Extract], tuple], workers: int = READERS) -> Iterator[tuple]:
    """`read(extract)` for each extract, in order, the next `workers` ones read in threads meanwhile."""
    remaining = iter(extracts)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lecture") as pool:
        pending = deque(pool.submit(read, extract) for extract in itertools.islice(remaining, workers))
        while pending:
            result = pending.popleft().result()
            if (following := next(remaining, None)) is not None:
                pending.append(pool.submit(read, following))
            yield result


def commit_read_ahead(staged: StagedUnit | Exception, figures: str | None) -> int:
    """commit_staged of a reading thread's staged rows, or the error it met staging them."""
    if isinstance(staged, Exception):
        raise staged
    return commit_staged(staged, figures)


class PersonalDataLoadError(RuntimeError):
    """A personal file could not be loaded; the cause's message is withheld (it may quote cells)."""


class BuildDatabaseError(RuntimeError):
    """The build database could not be written (a full disk, a read-only folder)."""


def load(spec: SourceSpec, extract: Extract, write: Callable[[], int]) -> int:
    """`write()` (replace_unit, or commit_staged), its failures said in French."""
    failure = None
    try:
        return write()
    except (duckdb.IOException, duckdb.TransactionException, OSError) as error:
        if isinstance(error, duckdb.TransactionException) and "Failed to commit" not in str(error):
            raise
        # A write can fail at commit (DuckDB writes the log then): "Failed to commit: … No space left".
        cause = type(error).__name__ if spec.personal else str(error)
        raise BuildDatabaseError(
            f"écriture impossible dans la base de construction en chargeant {extract.path.name} ({cause}) ; "
            "vérifiez l'espace disque et les droits du dossier de l'entrepôt, puis relancez"
        ) from None
    except Exception as error:
        if not spec.personal:
            raise
        failure = type(error).__name__
    # Raised outside the handler, so that no chained exception carries the cause's text.
    raise PersonalDataLoadError(f"{spec.label} : chargement impossible de {extract.path.name} ({failure}) {personal.MASKED}")


class ArchiveError(RuntimeError):
    """A loaded file could not be archived (a full disk, a read-only folder)."""


def archive_content(archive: Archive, spec: SourceSpec, extract: Extract, file_hash: str) -> None:
    """The file's bytes, safe before its load is committed (personal data is never duplicated)."""
    if not spec.personal:
        with archive_errors(archive, extract):
            archive.store(extract.path, file_hash)


def archive_record(archive: Archive, spec: SourceSpec, extract: Extract, file_hash: str, path: str, unit: str) -> None:
    with archive_errors(archive, extract):
        archive.record(ArchivedFile(file_hash, spec.name, path, unit, datetime.now().isoformat(timespec="seconds"),
                                    content=not spec.personal))


@contextlib.contextmanager
def archive_errors(archive: Archive, extract: Extract):
    try:
        yield
    except OSError as error:
        raise ArchiveError(
            f"archivage impossible de {extract.path.name} dans {archive.root} ({error.strerror or error}) ; "
            "vérifiez l'espace disque et les droits du dossier d'archive, puis relancez"
        ) from None


def has_news(spec: SourceSpec, landing: Landing, con: duckdb.DuckDBPyConnection, archive: Archive | None = None) -> bool:
    """Whether `ingest_source` would do more for `spec` than find each of its files loaded
    already (the same rule: content hash and unit in the ledger, and in the archive): a file to
    load, refuse or archive, or a raw table to create or lay out again. A source without any
    file has no news once its tables exist. An incremental `ctg refresh` runs the ingest steps
    of the sources with news only (orchestration/cli.py)."""
    for table_spec in (spec, *(SOURCES[name] for name in spec.after)):
        if not table_in_layout(con, table_spec.table, table_spec.columns):
            return True
    extracts = landing.of(spec.name)
    if not extracts:
        return False
    try:
        loads = current_loads(con, spec.table)
    except duckdb.CatalogException:  # no ledger yet
        return True
    for extract in extracts:
        extract, file_hash = hashed(extract, landing.root)
        named_unit = spec.unit(extract, None)[0] if spec.unit_from_name and extract.error is None else None
        if extract.error is not None or not in_loads(loads, file_hash, named_unit):
            return True
        if archive is not None and not archive.holds(file_hash, spec.name):
            return True
    return False


def ingest_source(
    spec: SourceSpec,
    landing: Landing,
    build_db: Path,
    quarantine_dir: Path,
    keep_originals: bool,
    log: Log = print,
    pseudo_key: bytes | None = None,
    archive: Archive | None = None,
) -> IngestReport:
    """Ingest every file of `spec` found in the landing folder. `pseudo_key` is required to load
    a personal source (see ingest.personal). With an `archive`, each file loaded is archived
    first (ingest.archive): the build database can be rebuilt from it."""
    extracts = landing.of(spec.name)
    if spec.oldest_first:
        extracts = sorted(extracts, key=lambda e: (modified_at(e.path), str(e.path)))
    report = IngestReport(source=spec.name, files_found=len(extracts))
    build_db.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(build_db)) as con:
        # Set, not passed as the connection's configuration: a database another connection of
        # this process holds open is opened with the same configuration only (cli.execute_refresh).
        con.execute(f"set checkpoint_threshold = '{CHECKPOINT_THRESHOLD}'")
        for table_spec in (spec, *(SOURCES[name] for name in spec.after)):
            ensure_table(con, table_spec.table, table_spec.columns)
        if not extracts:
            log(f"aucun fichier dans {landing.root} (les chargements précédents sont conservés)")
        # The ledger is asked once: nothing is loaded before every file below is compared with it.
        loads = current_loads(con, spec.table)

        checked = [hashed(extract, landing.root) for extract in extracts]
        extracts = [extract for extract, _hash in checked]
        hashes = {extract.path: file_hash for extract, file_hash in checked}
        ambiguous = competing_files(spec, extracts, hashes, landing.root)
        # Files whose units come from their rows may overlap (census editions, births files
        # of successive years): when any of them is new, all are loaded again in path order,
        # so that the outcome never depends on which files earlier runs had seen. A source whose
        # later files correct earlier ones (oldest_first) loads only its new files, in arrival order.
        reload_all = not spec.unit_from_name and not spec.oldest_first and any(
            e.error is not None or not in_loads(loads, hashes[e.path]) for e in extracts
        )
        claimed: dict[tuple, str] = {}  # (year, variable) -> file, for overlap_is_conflict
        figures_in_ledger: bool | None = None  # asked at the first file compared: none when nothing loads

        def refuse(violation: ContractViolation, prefix: str) -> None:
            """A file that is not loaded, and not quarantined: nothing is wrong inside it."""
            report.violations.append(violation)
            log(f"{prefix} : NON CHARGÉ, {violation.message}")
        # First the files to read (the checks below only look at the build database and the
        # hashes), then their reading one file ahead in a thread: the next file is parsed (in
        # Python) while this one is loaded (in DuckDB, which releases the GIL).
        to_read: list[tuple[int, Extract, str]] = []
        to_read_units: set[tuple[str, str | None]] = set()  # an identical copy of a file read is loaded once
        for number, extract in enumerate(extracts, start=1):
            name = extract.path.name
            prefix = f"[{number}/{len(extracts)}] {display_path(extract.path, landing.root)}"
            file_hash = hashes[extract.path]
            if extract.path in ambiguous:
                refuse(ambiguous[extract.path], prefix)
                continue
            # A unit named by the file (theme/year) must hold this very file; a unit read from
            # the content is the same for the same content, so the hash alone tells.
            named_unit = spec.unit(extract, None)[0] if spec.unit_from_name else None
            loaded = extract.error is None and in_loads(loads, file_hash, named_unit)
            if not reload_all and extract.error is None and (loaded or (file_hash, named_unit) in to_read_units):
                report.files_unchanged.append(name)
                log(f"{prefix} : inchangé (empreinte déjà chargée), ignoré")
                if loaded and archive is not None and not archive.holds(file_hash, spec.name):
                    # Loaded by a run killed before it archived the file, or before the archive existed.
                    archive_content(archive, spec, extract, file_hash)
                    archive_record(archive, spec, extract, file_hash, display_path(extract.path, landing.root),
                                   loaded_unit(con, spec.table, file_hash))
                continue
            if named_unit is not None and extract.error is None and (
                    elsewhere := loaded_for_another_unit(con, spec.table, file_hash, named_unit)):
                refuse(copied_file(display_path(extract.path, landing.root), f"{elsewhere[1]} (déjà chargé, {elsewhere[0]})"),
                       prefix)
                continue
            if spec.personal and pseudo_key is None:
                refuse(ContractViolation(
                    display_path(extract.path, landing.root), "cle_pseudonymisation",
                    f"données personnelles non chargées : la variable d'environnement {personal.KEY_VARIABLE} "
                    "(clé de pseudonymisation) n'est pas définie",
                ), prefix)
                continue
            to_read.append((number, extract, file_hash))
            to_read_units.add((file_hash, named_unit))
        # A source whose files each name their own unit (theme and year) has its rows staged
        # by the reading threads, each file in a transaction of its own (load.stage_unit), and
        # committed here in order once the checks pass, rolled back otherwise: no two files of
        # one refresh replace the same unit (competing files are refused above, copies read once).
        staged_units: list[StagedUnit] = []
        hashes_read = {extract.path: file_hash for _number, extract, file_hash in to_read}

        def stage(extract: Extract, frame: pd.DataFrame) -> StagedUnit:
            unit, unit_filter = spec.unit(extract, frame)
            staged = stage_unit(con, spec.table, unit, unit_filter, spec.rows(extract, frame), extract.path.name,
                                hashes_read[extract.path])
            staged_units.append(staged)
            return staged

        staging = spec.unit_from_name and not spec.personal
        reads = read_ahead([extract for _number, extract, _hash in to_read],
                           lambda extract: read_for_load(spec, extract, pseudo_key, stage if staging else None))
        try:
            for (number, extract, file_hash), (frame, violations, figures, staged) in zip(to_read, reads, strict=True):
                name = extract.path.name
                prefix = f"[{number}/{len(extracts)}] {display_path(extract.path, landing.root)}"
                if not violations and spec.check_in_build is not None:
                    violations = spec.check_in_build(con, frame, extract.path.name)
                for violation in violations:  # "2021/donnees_communes.csv", not just its name
                    violation.file = display_path(extract.path, landing.root)
                if violations:
                    report.violations.extend(violations)
                    target = quarantine(extract.path, violations, quarantine_dir, keep_originals, spec.personal)
                    report.quarantined.append(str(target))
                    where = "rapport en quarantaine" if spec.personal else "mis en quarantaine"
                    log(f"{prefix} : REJETÉ ({len(violations)} anomalie(s)), {where} : {target.parent}")
                    continue
                unit, unit_filter = spec.unit(extract, frame)
                if figures and figures_in_ledger is None:
                    figures_in_ledger = figures_recorded(con, spec.table)
                if figures and (original := same_figures_for_another_year(
                        con, spec.table, figures, unit, unit_filter, spec.same_figures_columns, figures_in_ledger)):
                    refuse(copied_file(display_path(extract.path, landing.root), f"{original} (déjà chargé)",
                                       "mêmes chiffres que"), prefix)
                    continue
                if spec.overlap_is_conflict:
                    pairs = {pair for key, values in unit_filter.items() if isinstance(key, tuple) for pair in values}
                    rivals = sorted({claimed[pair] for pair in pairs if pair in claimed})
                    if rivals:
                        refuse(ContractViolation(
                            display_path(extract.path, landing.root), "fichier_unique",
                            f"donne les mêmes chiffres (année, variable) que {', '.join(rivals)} ; "
                            "retirez du dossier d'arrivée l'extrait périmé",
                        ), prefix)
                        continue
                    claimed.update({pair: display_path(extract.path, landing.root) for pair in pairs})
                for flag in ("est_special", "est_placeholder"):  # counted and reported, never aggregated
                    if flag in frame:
                        report.special_rows += int(frame.loc[frame[flag], "ligne"].nunique())
                if archive is not None:
                    archive_content(archive, spec, extract, file_hash)
                if staged is None:
                    loaded = load(spec, extract, functools.partial(
                        replace_unit, con, spec.table, unit, unit_filter, spec.rows(extract, frame), extract.path.name,
                        file_hash, figures))
                else:
                    loaded = load(spec, extract, functools.partial(commit_read_ahead, staged, figures))
                if archive is not None:
                    archive_record(archive, spec, extract, file_hash, display_path(extract.path, landing.root), unit)
                report.files_loaded.append(name)
                report.rows_loaded += loaded
                log(f"{prefix} : {loaded} lignes chargées (unité {unit})")
        finally:
            reads.close()  # an error stopped the source: the reads under way end first
            for staged in staged_units:  # files refused once read, or read ahead of an error
                discard_staged(staged)
    return report
