"""What discovery hands to the readers: an extract of the landing folder and its source."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import ContractError


@dataclass(frozen=True)
class Extract:
    source: str  # a key of ingest.registry.SOURCES
    path: Path
    year: int | None = None  # when the name or folder gives it
    theme: str | None = None  # legacy theme, portal data set, or ONAPE "measure/level"
    error: ContractError | None = None  # recognised, but unusable as named (e.g. no year)


@dataclass
class Landing:
    root: Path
    extracts: list[Extract] = field(default_factory=list)
    unrecognised: list[Path] = field(default_factory=list)
    unreadable: dict[Path, str] = field(default_factory=dict)  # unrecognised because unreadable: why

    def of(self, source: str) -> list[Extract]:
        return [e for e in self.extracts if e.source == source]
