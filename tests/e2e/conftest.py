"""One refresh of the bundled sample shared by the end-to-end tests (a refresh costs about
40 s: dbt builds about a hundred models and tests)."""

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from personal_source import GOOD, SOURCES_WITH_PERSONAL

from orchestration.cli import main
from orchestration.settings import SAMPLE_DIR

# Two dossiers of Wimereux, outside the permis' perimeter (counted nowhere): one decided before
# its deposit, and the same dwelling written two ways.
PERMIS_OUTSIDE_PERIMETER = """dossier_id;regime;commune_insee;adresse;bailleur_nom;date_depot;date_complet;date_decision;decision
PDL-TEST-0001;APML;62893;12 r. de la Paix;TESTEUR Fictif;2022-03-10;;2022-03-01;AUTORISATION
PDL-TEST-0002;APML;62893;12 RUE DE LA PAIX;TESTEUR Fictif;01/05/2022;05/05/2022;20/05/2022;AUTORISATION
"""


# The coordinators correct one 2024 figure of the sample's follow-up in a later file.
FOLLOW_UP_CORRECTION = """axe;objectif;indicateur_code;annee;valeur;commentaire;statut
4;OG3;a4_jeunes_accompagnes;2024;145;Recomptage après le COPIL;
"""


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist's own hook, which reads the mark
def pytest_collection_modifyitems(items):
    """Under pytest-xdist (make test), every test of the shared refresh runs on one worker."""
    for item in items:
        if "refreshed" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("shared_refresh"))


@dataclass(frozen=True)
class SharedRefresh:
    root: Path
    landing: Path
    warehouse: Path
    dagster_home: Path

    def __iter__(self):  # landing, warehouse = refreshed
        return iter((self.landing, self.warehouse))

    def __getitem__(self, index):
        return (self.landing, self.warehouse)[index]


@pytest.fixture(scope="session")
def isolated_env():
    with pytest.MonkeyPatch.context() as patch:
        for name in ("DAGSTER_HOME", "CTG_LANDING_DIR", "CTG_WAREHOUSE", "CTG_TERRITORY_EPCI", "CTG_SAMPLE",
                     "CTG_TOUTES_COMMUNES_DEPARTEMENT", "CTG_PSEUDO_KEY", "CTG_DEPARTEMENT"):
            patch.delenv(name, raising=False)
        yield patch


def add_portal_file_for_a_legacy_year(landing):
    """A current-portal export for December 2018, a year the legacy files already cover."""
    source = landing / "caf" / "portail" / "s_ben_com_f.csv"
    lines = source.read_text(encoding="utf-8-sig").splitlines()
    rows = [line.replace("2021-12;", "2018-12;", 1) for line in lines[1:] if line.startswith("2021-12;")]
    (landing / "caf" / "portail" / "s_ben_com_f_2018.csv").write_text("\n".join([lines[0], *rows]) + "\n", encoding="utf-8")


def add_legacy_file_five_years_before_a_portal_year(landing):
    """ConfigFamiliale for 2017: 2018's allocataires, one more single man in Baincthun (a plain
    copy is refused as a renamed file); the portal's December 2022 count is five years later."""
    raw = (landing / "caf" / "ConfigFamiliale2018.csv").read_bytes()
    (landing / "caf" / "ConfigFamiliale2017.csv").write_bytes(raw.replace(b"Baincthun;62075;302;23;26;46;17;7;61;",
                                                                          b"Baincthun;62075;302;23;26;46;17;7;62;", 1))


@pytest.fixture(scope="session")
def refreshed(tmp_path_factory, isolated_env):
    """One `ctg refresh` of a copy of the bundled sample, as a landing folder, with Dagster's
    storage on disk; the sources are the registry's plus a fake personal one (one file)."""
    root = tmp_path_factory.mktemp("refresh")
    landing = root / "landing"
    shutil.copytree(SAMPLE_DIR, landing)
    add_portal_file_for_a_legacy_year(landing)
    add_legacy_file_five_years_before_a_portal_year(landing)
    (landing / "dossiers_fictifs_2023.csv").write_text(GOOD, encoding="utf-8")
    (landing / "permis_louer" / "permis_louer_wimereux.csv").write_text(PERMIS_OUTSIDE_PERIMETER, encoding="cp1252")
    (landing / "suivi" / "suivi_correction_2024.csv").write_text(FOLLOW_UP_CORRECTION, encoding="utf-8")
    # A quote in the warehouse folder, as real folder names have: the build database, the marts
    # file dbt attaches and the published file all live there.
    warehouse = root / "Communauté d'agglomération" / "ctg.duckdb"
    dagster_home = root / "dagster"
    dagster_home.mkdir()
    isolated_env.setenv("DAGSTER_HOME", str(dagster_home))
    isolated_env.setenv("CTG_PSEUDO_KEY", "cle-de-test-ne-pas-utiliser")
    try:
        code = main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)], sources=SOURCES_WITH_PERSONAL)
    finally:
        isolated_env.delenv("DAGSTER_HOME")
        isolated_env.delenv("CTG_PSEUDO_KEY")
    assert code == 0
    return SharedRefresh(root, landing, warehouse, dagster_home)
