"""Find the extracts in a landing folder and tell which source each one is.

Files are recognised by name first (the names the portals give), then by their header for
renamed CSVs. Sub-folders are allowed. Files nobody reads are listed, never an error.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ingest.csvfile import decode, sniff_separator
from ingest.errors import ContractError
from ingest.sources import (
    caf_legacy,
    caf_onape,
    caf_partner,
    caf_portal,
    insee_births,
    insee_census,
    insee_populations,
    territory,
)

IGNORED_SUFFIXES = {".md", ".txt", ".json", ".rapport"}


@dataclass(frozen=True)
class Extract:
    source: str  # a key of ingest.pipeline.SOURCES, or cog_communes | epci_composition
    path: Path
    year: int | None = None  # when the name or folder gives it
    theme: str | None = None  # legacy theme, portal data set, or ONAPE "measure/level"
    error: ContractError | None = None  # recognised, but unusable as named (e.g. no year)


@dataclass
class Landing:
    root: Path
    extracts: list[Extract] = field(default_factory=list)
    unrecognised: list[Path] = field(default_factory=list)

    def of(self, source: str) -> list[Extract]:
        return [e for e in self.extracts if e.source == source]


def header_of(path: Path) -> list[str]:
    """The first non-blank line of a text file, split into lower-case names."""
    with path.open("rb") as handle:
        for _ in range(20):
            text, _encoding = decode(handle.readline(65536))
            line = text.strip()
            if line.strip(";, \t"):
                return [c.strip().strip('"').lower() for c in line.split(sniff_separator(line))]
    return []


def populations_extract(path: Path, root: Path | None) -> Extract:
    try:
        return Extract("insee_populations_legales", path, insee_populations.reference_year(path, root))
    except ContractError as error:
        return Extract("insee_populations_legales", path, error=error)


def identify(path: Path, root: Path | None) -> Extract | None:
    if match := territory.COG_FILE.match(path.name):
        return Extract("cog_communes", path, int(match["year"]))
    if match := territory.EPCI_FILE.match(path.name):
        return Extract("epci_composition", path, int(match["year"]))
    if legacy := caf_legacy.match_file_name(path):
        theme, year = legacy
        return Extract("caf_legacy", path, year, theme.theme)
    if insee_populations.match_file_name(path):
        return populations_extract(path, root)
    if onape := caf_onape.match_file_name(path):
        return Extract("caf_onape", path, theme="/".join(onape))
    if insee_census.match_file_name(path):
        return Extract("insee_recensement_ages", path)
    if insee_births.match_file_name(path):
        return Extract("insee_naissances", path)
    if caf_partner.match_file_name(path):
        return Extract("caf_partenaire", path)
    if path.suffix.lower() != ".csv":
        return None
    # Renamed files: recognised by their header.
    raw_header = header_of(path)
    header = set(raw_header)
    if dataset := caf_portal.dataset_of(path, raw_header):
        return Extract("caf_portail", path, theme=dataset)
    if {"pmun", "pcap", "ptot", "codcom"} <= header:
        return populations_extract(path, root)
    if insee_census.looks_like(header):
        return Extract("insee_recensement_ages", path)
    if insee_births.looks_like(header):
        return Extract("insee_naissances", path)
    if caf_partner.looks_like(header):
        return Extract("caf_partenaire", path)
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
