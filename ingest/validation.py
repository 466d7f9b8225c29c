"""`ctg validate`: check extracts against their contracts without loading anything."""

from __future__ import annotations

import os
from pathlib import Path

from ingest.discovery import identify
from ingest.errors import ContractError, ContractViolation
from ingest.pipeline import read_and_check
from ingest.registry import SOURCES


def validate_file(path: Path) -> list[ContractViolation]:
    if not path.exists():
        return [ContractViolation(path.name, "fichier_introuvable", f"fichier introuvable : {path}")]
    if not path.is_file():
        return [ContractViolation(path.name, "fichier_introuvable", f"{path} est un dossier, pas un fichier")]
    try:
        # As in a landing folder, the year may come from the file's own folder (2021/...), no higher.
        extract = identify(path, path.parent.parent)
    except ContractError as error:
        return error.violations
    except OSError as error:
        cause = error.strerror or type(error).__name__
        return [ContractViolation(path.name, "fichier_illisible",
                                  f"fichier illisible ({cause}) ; vérifiez ses droits de lecture")]
    if extract is None:
        return [ContractViolation(path.name, "source_reconnue",
                                  "fichier non reconnu : aucun lecteur ne correspond à son nom ni à son en-tête")]
    # Nothing is written: a personal source is checked with a throwaway key.
    _frame, violations = read_and_check(SOURCES[extract.source], extract, pseudo_key=os.urandom(32))
    return violations


def validate_files(paths: list[Path]) -> list[tuple[Path, list[ContractViolation]]]:
    return [(path, validate_file(path)) for path in paths]
