"""Find the extracts in a landing folder and tell which source each one is.

Every source of the registry says how it recognises its files: by name first (the names the
portals give), then, for renamed CSVs and our own registers (CSV or .xlsx), by their header.
Sub-folders are allowed. Files nobody reads are listed, never an error.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from ingest.csvfile import decode, sniff_separator
from ingest.errors import ContractError
from ingest.extract import Extract, Landing
from ingest.registry import SOURCE_LIST, SourceSpec
from ingest.workbook import header_of_workbook, is_workbook

__all__ = ["Extract", "Landing", "discover", "identify"]

IGNORED_SUFFIXES = {".md", ".txt", ".json", ".rapport"}


def header_of(path: Path) -> list[str]:
    """The first non-blank line of a text file, split into lower-case names."""
    with path.open("rb") as handle:
        for _ in range(20):
            text, _encoding = decode(handle.readline(65536))
            line = text.strip()
            if line.strip(";, \t"):
                return [c.strip().strip('"').lower() for c in line.split(sniff_separator(line))]
    return []


def identify(path: Path, root: Path | None, sources: list[SourceSpec] = SOURCE_LIST) -> Extract | None:
    for spec in sources:
        if extract := spec.recognise(path, root):
            return extract
    if path.suffix.lower() == ".csv":
        header = header_of(path)
    elif is_workbook(path):
        header = header_of_workbook(path)
    else:
        return None
    for spec in sources:
        if spec.recognise_header and (extract := spec.recognise_header(path, header, root)):
            return extract
    return None


def leaves_landing(path: Path, root: Path) -> bool:
    """A symbolic link (or a file under a linked folder) whose target is outside the landing."""
    return not path.resolve().is_relative_to(root.resolve())


def refused_link(path: Path, root: Path, sources: list[SourceSpec]) -> Extract | None:
    """A link out of the landing folder is refused without being opened: recognised by its name
    only, so that its source reports it (a copy of the file itself is what the refresh reads)."""
    extract = next((e for spec in sources if (e := spec.recognise(path, root))), None)
    if extract is None:
        return None
    return replace(extract, error=ContractError.single(
        path, "lien_hors_arrivee",
        "lien symbolique vers un fichier hors du dossier d'arrivée : refusé sans être lu ; "
        "déposez une copie du fichier lui-même",
    ))


def discover(root: Path, sources: list[SourceSpec] = SOURCE_LIST) -> Landing:
    landing = Landing(root=root)
    if not root.is_dir():
        return landing
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name.startswith(".") or path.suffix.lower() in IGNORED_SUFFIXES:
            continue
        if leaves_landing(path, root):
            extract = refused_link(path, root, sources)
        else:
            try:
                extract = identify(path, root, sources)
            except OSError as error:  # no read permission, a file vanishing, a broken disk
                landing.unreadable[path] = error.strerror or type(error).__name__
                extract = None
        if extract is None:
            landing.unrecognised.append(path)
        else:
            landing.extracts.append(extract)
    return landing
