"""Find the extracts in a landing folder and tell which source each one is.

Files are recognised by name first (the names the portals give), then by their header for
renamed CSVs. Sub-folders are allowed. Files nobody reads are listed, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest.csvfile import decode, sniff_separator
from ingest.sources import caf_legacy, insee_populations, territory

IGNORED_SUFFIXES = {".md", ".txt", ".json", ".rapport"}


@dataclass(frozen=True)
class Extract:
    source: str  # caf_legacy | insee_populations_legales | cog_communes | epci_composition
    path: Path
    year: int | None = None
    theme: str | None = None  # caf_legacy theme (stem key of caf_legacy.THEMES)


@dataclass
class Landing:
    root: Path
    extracts: list[Extract] = field(default_factory=list)
    unrecognised: list[Path] = field(default_factory=list)

    def of(self, source: str) -> list[Extract]:
        return [e for e in self.extracts if e.source == source]


def header_of(path: Path) -> list[str]:
    with path.open("rb") as handle:
        first = handle.readline(65536)
    text, _ = decode(first)
    line = text.strip()
    return [c.strip().strip('"').lower() for c in line.split(sniff_separator(line))]


def identify(path: Path, root: Path | None) -> Extract | None:
    if match := territory.COG_FILE.match(path.name):
        return Extract("cog_communes", path, int(match["year"]))
    if match := territory.EPCI_FILE.match(path.name):
        return Extract("epci_composition", path, int(match["year"]))
    if legacy := caf_legacy.match_file_name(path):
        theme, year = legacy
        return Extract("caf_legacy", path, year, theme.stem)
    if insee_populations.match_file_name(path):
        return Extract("insee_populations_legales", path, insee_populations.reference_year(path, root))
    if path.suffix.lower() == ".csv":
        header = set(header_of(path))
        if {"pmun", "pcap", "ptot", "codcom"} <= header:
            return Extract("insee_populations_legales", path, insee_populations.reference_year(path, root))
    return None


def discover(root: Path) -> Landing:
    landing = Landing(root=root)
    if not root.is_dir():
        return landing
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if path.name.startswith(".") or path.suffix.lower() in IGNORED_SUFFIXES:
            continue
        extract = identify(path, root)
        if extract is None:
            landing.unrecognised.append(path)
        else:
            landing.extracts.append(extract)
    return landing
