"""Where a refresh reads and writes, from CLI options or the environment.

The published warehouse is what users open; the build database is private to the refresh,
one per landing folder so that the bundled sample never mixes with production extracts.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SAMPLE_DIR = PROJECT_ROOT / "data" / "sample"
DEFAULT_LANDING = PROJECT_ROOT / "data" / "landing"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse" / "ctg.duckdb"
DEFAULT_TERRITORY = "246200729"
DEFAULT_DEPARTEMENT = "62"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"
# The name under which the dbt profile attaches the marts file (`Settings.marts_db`) to the
# build database, and the marts' `database` in dbt_project.yml.
MARTS_CATALOG = "publication"

# The marts are written (by dbt) and published in an older storage format than DuckDB 2.0's
# own, so that the DuckDB 1.x embedded in BI drivers and analysts' environments can open the
# published file (a file in 2.0's format is refused by 1.1, 1.4 and 1.5). CTG_STORAGE_VERSION
# chooses another ("v1.0.0" is read by DuckDB 1.0 and later).
DEFAULT_STORAGE_VERSION = "v1.0.0"
STORAGE_VERSION = re.compile(r"^v\d+\.\d+\.\d+$")


def storage_version() -> str:
    version = os.environ.get("CTG_STORAGE_VERSION", DEFAULT_STORAGE_VERSION).strip()
    if not STORAGE_VERSION.match(version):
        raise ValueError(f"CTG_STORAGE_VERSION « {version} » : attendu une version DuckDB comme v1.0.0")
    return version


@dataclass(frozen=True)
class Settings:
    landing_dir: Path
    warehouse: Path  # the published DuckDB file
    # One SIREN, several (comma-separated), all-in-departement[:DD] or all: see
    # ingest.sources.territory.TerritorySpec.
    territory_epci: str
    use_sample: bool = False
    # Commune rows for every commune of the comparison département, not only the territory's.
    all_departement_communes: bool = False
    # The département of `--territory all-in-departement` (that of the CAF).
    departement: str = DEFAULT_DEPARTEMENT

    @classmethod
    def from_env(cls) -> Settings:
        use_sample = is_true(os.environ.get("CTG_SAMPLE"))
        landing = SAMPLE_DIR if use_sample else Path(os.environ.get("CTG_LANDING_DIR", DEFAULT_LANDING))
        return cls(
            landing_dir=landing.resolve(),
            warehouse=Path(os.environ.get("CTG_WAREHOUSE", DEFAULT_WAREHOUSE)).resolve(),
            territory_epci=os.environ.get("CTG_TERRITORY_EPCI", DEFAULT_TERRITORY),
            use_sample=use_sample,
            all_departement_communes=is_true(os.environ.get("CTG_TOUTES_COMMUNES_DEPARTEMENT")),
            departement=os.environ.get("CTG_DEPARTEMENT", DEFAULT_DEPARTEMENT),
        )

    @property
    def runtime_dir(self) -> Path:
        return self.warehouse.parent

    @property
    def build_db(self) -> Path:
        landing_key = hashlib.sha256(str(self.landing_dir).encode()).hexdigest()[:10]
        return self.runtime_dir / ".build" / f"{self.warehouse.stem}-{landing_key}.duckdb"

    @property
    def marts_db(self) -> Path:
        """The marts, and only them: dbt writes them in this file (attached to the build
        database as `publication`), which publication copies whole."""
        return self.build_db.with_name(f"{self.build_db.stem}-marts.duckdb")

    @property
    def archive_dir(self) -> Path:
        """Every file loaded into this build database, by content hash (ingest.archive): beside
        the landing and quarantine folders (`data/archive/`), one folder per build database."""
        return self.landing_dir.parent / "archive" / self.build_db.stem

    @property
    def parquet_dir(self) -> Path:
        # One folder per published file: two warehouses side by side keep their own copies.
        return self.runtime_dir / f"{self.warehouse.stem}_parquet"

    @property
    def report_dir(self) -> Path:
        """The report regenerated after each publication (HTML and Excel)."""
        return self.runtime_dir / "rapport"

    @property
    def chart_cache_dir(self) -> Path:
        """The report's charts drawn last time (report.charts.cached_in), private like the build."""
        return self.runtime_dir / ".build" / f"{self.warehouse.stem}-graphiques"

    @property
    def quarantine_dir(self) -> Path:
        return self.landing_dir.parent / "quarantine"

    @property
    def dbt_target_dir(self) -> Path:
        """dbt's target folder for this build database, kept between refreshes: its
        partial-parse file spares dbt a full parse of the project. One per checkout of the
        project: a partial parse keeps the absolute paths of the seeds it read, so a
        warehouse shared by two checkouts (or a project moved) would load seeds from the other."""
        checkout = hashlib.sha256(str(DBT_PROJECT_DIR.resolve()).encode()).hexdigest()[:8]
        return self.build_db.with_name(f"{self.build_db.stem}-dbt-{checkout}")

    def dbt_vars(self) -> dict[str, object]:
        """What dbt needs of the settings, passed with `--vars` (dbt runs in a subprocess)."""
        return {"build_db": str(self.build_db), "marts_db": str(self.marts_db), "storage_version": storage_version(),
                "toutes_communes_departement": self.all_departement_communes}

    def dbt_vars_json(self) -> str:
        # Always the same text for the same settings: dbt compares it to reuse its parse.
        return json.dumps(self.dbt_vars(), sort_keys=True)


def parse_is_stale(parsed: Path) -> bool:
    """True when `parsed` (a manifest, a partial-parse file) is missing or older than a model,
    macro, test, seed or YAML file of the dbt project. Light: no dbt or Dagster import."""
    if not parsed.exists():
        return True
    parsed_at = parsed.stat().st_mtime
    sources = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for folder in ("models", "macros", "tests", "seeds"):
        sources.extend(p for p in (DBT_PROJECT_DIR / folder).rglob("*") if p.is_file())
    return any(p.stat().st_mtime > parsed_at for p in sources)


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "oui"}
