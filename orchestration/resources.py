"""Dagster resources: the refresh settings, shared by every asset."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from orchestration.settings import Settings

# Every step that writes the build database runs in this pool (limit 1 in dagster.yaml).
BUILD_DB_POOL = "ctg_build_db"


class CtgSettingsResource(dg.ConfigurableResource):
    """Paths and territory of one refresh (see orchestration.settings.Settings)."""

    landing_dir: str
    warehouse: str
    territory_epci: str
    use_sample: bool = False
    all_departement_communes: bool = False
    departement: str = "62"

    @classmethod
    def from_settings(cls, settings: Settings) -> CtgSettingsResource:
        return cls(
            landing_dir=str(settings.landing_dir),
            warehouse=str(settings.warehouse),
            territory_epci=settings.territory_epci,
            use_sample=settings.use_sample,
            all_departement_communes=settings.all_departement_communes,
            departement=settings.departement,
        )

    @property
    def settings(self) -> Settings:
        return Settings(
            landing_dir=Path(self.landing_dir),
            warehouse=Path(self.warehouse),
            territory_epci=self.territory_epci,
            use_sample=self.use_sample,
            all_departement_communes=self.all_departement_communes,
            departement=self.departement,
        )
