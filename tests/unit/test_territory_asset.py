import dagster as dg
import duckdb
from openpyxl import Workbook

from ingest.registry import SOURCES
from orchestration.ingest.assets import CONTRACT_CHECK, build_landing_assets
from orchestration.resources import CtgSettingsResource
from orchestration.settings import Settings

TERRITORY_FILES = {"insee_cog_communes", "insee_epci_composition"}


def run(tmp_path, territory="246200729"):
    """The territory step after the COG and EPCI composition ingest steps, as in a refresh."""
    settings = Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "wh" / "ctg.duckdb", territory_epci=territory)
    assets = [a for a in build_landing_assets() if a.key.path[-1] in TERRITORY_FILES | {"territoire_communes"}]
    result = dg.materialize(assets, resources={"ctg": CtgSettingsResource.from_settings(settings)},
                            raise_on_error=False)
    evaluations = {e.asset_key.path[-1]: e for e in result.get_asset_check_evaluations() if e.check_name == CONTRACT_CHECK}
    return settings, evaluations


def composition_file(landing, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Composition_communale"
    for row in rows:
        sheet.append(row)
    path = landing / "Intercommunalite_Metropole_au_01-01-2024.xlsx"
    workbook.save(path)
    return path


def test_bundled_territory_is_written_to_the_build_database(tmp_path):
    (tmp_path / "landing").mkdir()
    settings, evaluations = run(tmp_path)
    assert evaluations["territoire_communes"].passed
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        assert con.execute("select count(*), any_value(dep_comparaison_libelle) from raw.territoire_communes").fetchone() == (22, "Pas-de-Calais")


def test_composition_file_is_loaded_like_any_source_and_gives_the_territory(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    composition_file(landing, [["CODGEO", "LIBGEO", "EPCI", "LIBEPCI", "DEP"],
                               ["62160", "Boulogne-sur-Mer", "246200729", "CA du Boulonnais", "62"],
                               ["62643", "Outreau", "246200729", "CA du Boulonnais", "62"]])

    settings, evaluations = run(tmp_path)

    assert all(e.passed for e in evaluations.values())
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        assert con.execute("select count(*), any_value(origine) from raw.territoire_communes").fetchone() == (
            2, "Intercommunalite_Metropole_au_01-01-2024.xlsx")
        ledger = con.execute("select unit, source_file from raw._chargements where table_name = ?",
                             [SOURCES["insee_epci_composition"].table]).fetchall()
    assert ledger == [("2024", "Intercommunalite_Metropole_au_01-01-2024.xlsx")]


def test_an_epci_composition_listing_a_commune_twice_fails_the_territory_check(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    composition_file(landing, [["CODGEO", "LIBGEO", "EPCI", "LIBEPCI", "DEP"],
                               ["62160", "Boulogne-sur-Mer", "246200729", "CA du Boulonnais", "62"],
                               ["62160", "Boulogne-sur-Mer", "246200729", "CA du Boulonnais", "62"]])

    _, evaluations = run(tmp_path)

    assert not evaluations["territoire_communes"].passed
    assert "cle_unique" in str(evaluations["territoire_communes"].metadata["anomalies"].value)


def test_broken_epci_composition_file_fails_the_check_and_goes_to_quarantine(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    path = composition_file(landing, [["code", "nom"]])  # no CODGEO header row

    _, evaluations = run(tmp_path)

    assert not evaluations["insee_epci_composition"].passed
    assert "CODGEO" in str(evaluations["insee_epci_composition"].metadata["anomalies"].value)
    assert not path.exists()
    assert list((tmp_path / "quarantine").rglob("*.xlsx.rapport.txt"))



def mark_territory(settings):
    """Mark the table's rows, to see whether the next run writes it again."""
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("update raw.territoire_communes set origine = 'marque'")


def territory_table(settings):
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        return con.execute("select distinct epci_siren, origine from raw.territoire_communes where est_principal").fetchone()


def test_the_territory_is_computed_again_only_when_what_it_reads_changed(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    composition_file(landing, [["CODGEO", "LIBGEO", "EPCI", "LIBEPCI", "DEP"],
                               ["62160", "Boulogne-sur-Mer", "246200729", "CA du Boulonnais", "62"],
                               ["62001", "Ablain-Saint-Nazaire", "200000001", "CC de test", "62"]])
    settings, _ = run(tmp_path)
    mark_territory(settings)

    settings, evaluations = run(tmp_path)  # the same files and settings: the table is kept
    assert evaluations["territoire_communes"].passed
    assert territory_table(settings) == ("246200729", "marque")

    settings, evaluations = run(tmp_path, territory="200000001")  # another territory asked for: written again
    assert evaluations["territoire_communes"].passed
    assert territory_table(settings) == ("200000001", "Intercommunalite_Metropole_au_01-01-2024.xlsx")
