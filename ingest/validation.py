"""`ctg validate`: check extracts against their contracts without loading anything."""

from __future__ import annotations

from pathlib import Path

from ingest import quality
from ingest.discovery import identify
from ingest.errors import ContractError, ContractViolation
from ingest.pipeline import SOURCES
from ingest.sources.territory import read_cog_communes, read_epci_composition

READERS_WITHOUT_SUITE = {
    "cog_communes": lambda e: read_cog_communes(e.path),
    "epci_composition": lambda e: read_epci_composition(e.path),
}


def validate_file(path: Path) -> list[ContractViolation]:
    if not path.exists():
        return [ContractViolation(path.name, "fichier_introuvable", f"fichier introuvable : {path}")]
    if not path.is_file():
        return [ContractViolation(path.name, "fichier_introuvable", f"{path} est un dossier, pas un fichier")]
    try:
        # As in a landing folder, the year may come from the file's own folder (2021/...), no higher.
        extract = identify(path, path.parent.parent)
        if extract is None:
            return [ContractViolation(path.name, "source_reconnue",
                                      "fichier non reconnu : aucun lecteur ne correspond à son nom ni à son en-tête")]
        if extract.error is not None:
            return extract.error.violations
        if extract.source in READERS_WITHOUT_SUITE:
            READERS_WITHOUT_SUITE[extract.source](extract)
            return []
        spec = SOURCES[extract.source]
        frame = spec.read(extract)
        return quality.validate(spec.suite(extract, frame), frame, path.name)
    except ContractError as error:
        return error.violations


def validate_files(paths: list[Path]) -> list[tuple[Path, list[ContractViolation]]]:
    return [(path, validate_file(path)) for path in paths]
