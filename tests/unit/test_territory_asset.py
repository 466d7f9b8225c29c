import dagster as dg
import duckdb
from openpyxl import Workbook

from orchestration.ingest.assets import territoire_communes
from orchestration.resources import CtgSettingsResource
from orchestration.settings import Settings


def run(tmp_path, territory="246200729"):
    settings = Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "wh" / "ctg.duckdb", territory_epci=territory)
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    result = dg.materialize([territoire_communes], resources={"ctg": CtgSettingsResource.from_settings(settings)},
                            raise_on_error=False)
    [evaluation] = result.get_asset_check_evaluations()
    return settings, evaluation


def test_bundled_territory_is_written_to_the_build_database(tmp_path):
    (tmp_path / "landing").mkdir()
    settings, evaluation = run(tmp_path)
    assert evaluation.passed
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        assert con.execute("select count(*), any_value(dep_comparaison_libelle) from raw.territoire_communes").fetchone() == (22, "Pas-de-Calais")


def test_broken_epci_composition_file_fails_the_check_and_goes_to_quarantine(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    workbook = Workbook()
    workbook.active.title = "Composition_communale"
    workbook.active.append(["code", "nom"])  # no CODGEO header row
    path = landing / "Intercommunalite_Metropole_au_01-01-2024.xlsx"
    workbook.save(path)

    _, evaluation = run(tmp_path)

    assert not evaluation.passed
    assert "CODGEO" in str(evaluation.metadata["anomalies"].value)
    assert not path.exists()
    assert list((tmp_path / "quarantine").rglob("*.xlsx.rapport.txt"))
