"""Freshness (issue 12): each source's cadence gives a warning asset check, never a failure."""

import datetime

import dagster as dg

from ingest.archive import Archive, ArchivedFile
from ingest.registry import SOURCES
from orchestration.ingest.assets import FRESHNESS_CHECK, build_freshness_checks, build_landing_assets
from orchestration.resources import CtgSettingsResource
from orchestration.settings import Settings


def freshness_of(source: str, arrived_days_ago: int | None, tmp_path) -> dg.AssetCheckEvaluation:
    landing = tmp_path / "arrivee"
    landing.mkdir(parents=True)
    settings = Settings(landing_dir=landing, warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")
    if arrived_days_ago is not None:
        arrived = datetime.datetime.now() - datetime.timedelta(days=arrived_days_ago)
        Archive(settings.archive_dir).record(ArchivedFile("ab" * 32, source, "caf/portail/s_ben_com_f.csv", "2024",
                                                          arrived.isoformat(timespec="seconds")))
    [step] = [a for a in build_landing_assets() if a.key.path == SOURCES[source].asset_key]
    result = dg.materialize([step, build_freshness_checks([SOURCES[source]])],
                            resources={"ctg": CtgSettingsResource.from_settings(settings)},
                            instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    [evaluation] = [e for e in result.get_asset_check_evaluations() if e.check_name == FRESHNESS_CHECK]
    return evaluation


def test_a_monthly_extract_older_than_its_cadence_is_a_warning(tmp_path):
    evaluation = freshness_of("caf_portail", 50, tmp_path)  # the portal is monthly: 40 days at most
    assert not evaluation.passed and evaluation.severity == dg.AssetCheckSeverity.WARN
    assert "en retard" in evaluation.description and "il y a 50 jours" in evaluation.description


def test_a_yearly_file_of_last_spring_is_fresh_and_a_source_never_received_is_not_late(tmp_path):
    assert freshness_of("caf_legacy", 200, tmp_path / "a").passed  # yearly: 400 days
    never = freshness_of("caf_legacy", None, tmp_path / "b")
    assert never.passed and "aucun fichier reçu" in never.description
