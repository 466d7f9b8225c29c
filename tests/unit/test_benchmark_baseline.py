"""The benchmark's plain-SQL baseline (scripts/benchmark_baseline.py) computes the figures of
marts.indicateurs from the generated national files: checked here against figures computed by
hand from a small generated landing, so that the benchmark's floor stays the same work."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import duckdb
import pytest

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"
sys.path.insert(0, str(SCRIPTS))
import benchmark_baseline as baseline  # noqa: E402
import benchmark_refresh as bench  # noqa: E402

sys.path.remove(str(SCRIPTS))

YEARS = list(range(2013, 2019))
FAMILIES = [f"{kind}_{n}_enf" for kind in ("coup", "mono") for n in ("1", "2", "3", "4plus")]


@pytest.fixture(scope="module")
def computed(tmp_path_factory):
    root = tmp_path_factory.mktemp("baseline")
    codes = bench.commune_codes(40)
    membership = bench.epci_of(codes)
    bench.write_landing(root / "landing", codes, YEARS, membership)
    composition = root / "composition.csv"
    composition.write_text("code_commune,epci_siren,epci_libelle\n"
                           + "".join(f"{c},{e},{bench.epci_name(e)}\n" for c, e in membership.items()))
    con = duckdb.connect()
    for statement, parameters in baseline.mart_statements(root / "landing", composition, bench.DEPARTEMENTS):
        con.execute(statement, parameters)
    yield con, root / "landing", membership
    con.close()


def config_row(landing: Path, year: int, code: str) -> dict[str, str]:
    with (landing / "caf" / f"ConfigFamiliale{year}.csv").open(encoding="utf-8") as handle:
        return next(row for row in csv.DictReader(handle, delimiter=";") if row["Codes_Insee"] == code)


def part_familles(row: dict[str, str]) -> float:
    families = sum(int(row[c]) for c in FAMILIES if row[c].strip())
    return 100 * families / int(row["nb_allocataires"])


def figure(con, code: str, level: str, territory: str, year: int) -> tuple:
    return con.execute("select valeur, variation_5ans_pct, variation_1an_nb, est_approximatif, source, territoire_libelle "
                       "from indicateurs where indicateur_code = ? and territoire_niveau = ? and territoire_code = ? "
                       "and annee = ?", [code, level, territory, year]).fetchone()


def test_a_commune_share_and_its_variations_are_those_of_its_file_rows(computed):
    con, landing, _membership = computed
    rows = {year: config_row(landing, year, "62160") for year in YEARS}
    value, five_years, one_year, approximate, source, name = figure(con, "part_familles", "commune", "62160", 2018)
    assert value == pytest.approx(part_familles(rows[2018]))
    assert five_years == pytest.approx(100 * (part_familles(rows[2018]) - part_familles(rows[2013])) / part_familles(rows[2013]))
    assert one_year == pytest.approx(part_familles(rows[2018]) - part_familles(rows[2017]))
    assert approximate == any(not rows[2018][c].strip() for c in FAMILIES)
    assert (source, name) == ("CAF ConfigFamiliale2018.csv (31/12/2018)", "Commune 62160")
    assert figure(con, "part_familles", "commune", "62160", 2017)[1] is None  # no figure 5 years before


def test_an_epci_share_is_rebuilt_from_its_communes_sums(computed):
    con, landing, membership = computed
    members = [code for code, siren in membership.items() if siren == bench.CAB]
    rows = [config_row(landing, 2018, code) for code in members]
    families = sum(int(row[c]) for row in rows for c in FAMILIES if row[c].strip())
    allocataires = sum(int(row["nb_allocataires"]) for row in rows)
    value, _five, _one, _approximate, _source, name = figure(con, "part_familles", "epci", bench.CAB, 2018)
    assert value == pytest.approx(100 * families / allocataires)
    assert name == "CA du Boulonnais"


def test_the_portal_coverage_rate_divides_by_the_latest_population_before_it(computed):
    con, landing, _membership = computed
    with (landing / "caf" / "portail" / "s_ben_com_f.csv").open(encoding="utf-8-sig") as handle:
        portal = next(row for row in csv.DictReader(handle, delimiter=";")
                      if row["numcomdo"] == "62160" and row["dtreffre"] == "2021-12")
    with (landing / "insee" / "2018" / "donnees_communes.csv").open(encoding="utf-8") as handle:
        population = next(row for row in csv.DictReader(handle, delimiter=";") if row["COM"] == "62160")
    value, _five, one_year, approximate, source, _name = figure(con, "taux_couverture_caf", "commune", "62160", 2021)
    assert value == pytest.approx(100 * int(portal["indnbp_ndur"]) / int(population["PMUN"]))
    assert approximate and one_year is None  # rounded counts; no trend against the legacy files
    assert source == "CAF s_ben_com_f.csv (2021-12, arrondi à 5) ; INSEE populations légales 2018"


def test_the_youth_index_is_a_plain_ratio(computed):
    con, landing, _membership = computed
    with (landing / "insee" / "base-cc-evol-struct-pop-2016.CSV").open(encoding="utf-8") as handle:
        row = next(row for row in csv.DictReader(handle, delimiter=";") if row["CODGEO"] == "62160")
    elders = sum(float(row[c]) for c in ("P16_POP6074", "P16_POP7589", "P16_POP90P"))
    assert figure(con, "indice_jeunesse", "commune", "62160", 2016)[0] == pytest.approx(float(row["P16_POP0019"]) / elders)


def test_every_indicator_at_every_level_each_year(computed):
    con, _landing, membership = computed
    # Every département here has one EPCI (the CAB's 22 communes, then one synthetic commune
    # per département): its sums would be the EPCI's, so it has none, as in the mart; ONAPE
    # publishes its own figure for each of them.
    territories = len(membership) + len(set(membership.values()))
    counts = dict(con.execute("select indicateur_code, count(*) from indicateurs group by all").fetchall())
    assert counts["part_familles"] == len(YEARS) * territories
    assert counts["nb_allocataires"] == (len(YEARS) + 2) * territories  # and two Decembers of the portal
    assert counts["indice_jeunesse"] == territories  # one census
    assert counts["capacite_theorique_accueil"] == territories + len({code[:2] for code in membership})
    assert len(counts) == len({indicator.code for indicator in baseline.BASELINE_INDICATORS}) + 1
