"""The dbt unit tests (`unit_tests:` beside the models, in their YAML files), run fast.

They pin the semantics of the indicators on small fixture rows: masked parts, legacy files
before the current portal, no 5-year variation across kinds of source, the populations
légales year, ratios rebuilt from sums. dbt needs the inputs of a tested model to exist in
the database to learn their columns, so this builds a throwaway DuckDB file with the raw
tables (empty), builds the models upstream of the unit tests with `--empty` (no rows), then
runs `dbt test --select test_type:unit`: about 25 s, most of it dbt starting and parsing.
dbt uses its own target and log folders, so that dbt_project/target is never touched.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from ingest.load import ensure_table
from ingest.registry import SOURCE_LIST

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT = PROJECT_ROOT / "dbt_project"

# Every unit test of the project, by name: a new one is added here (so that a unit test that
# silently stops being collected, e.g. after a YAML indentation slip, is noticed).
EXPECTED_UNIT_TESTS = {
    "int_indicateurs__communes__masked_part_is_approximate_and_summed",
    "int_indicateurs__communes__legacy_wins_over_portal_per_indicator_year",
    "int_communes__variables__population_year_latest_at_or_before",
    "int_indicateurs__territoires__ratios_rebuilt_from_sums",
    "int_indicateurs__territoires__several_territories_in_one_refresh",
    "indicateurs__no_5_year_variation_across_sources",
    "int_structures__annees__counted_when_open_on_31_december",
    "int_offre__communes__opening_in_2023_changes_2023_not_2021",
    "int_permis__dossiers__tacit_approval_rule",
    "int_indicateurs__territoires__groups_summed_like_an_epci",
    "int_indicateurs__territoires__epci_share_of_its_caf_antenne",
    "evaluation__baselines_and_status_rules",
    "evaluation_axes__improved_missing_and_deadlines_passed",
}

TERRITORY_COLUMNS = (
    "code_commune varchar, libelle_commune varchar, epci_siren varchar, epci_libelle varchar, "
    "dep_code varchar, dep_comparaison varchar, dep_comparaison_libelle varchar, origine varchar, est_principal boolean"
)


def create_raw_tables(build_db: Path) -> None:
    """The raw tables dbt's sources read, empty, with their declared columns."""
    with duckdb.connect(str(build_db)) as con:
        for spec in SOURCE_LIST:
            ensure_table(con, spec.table, spec.columns)
        con.execute(f"create table if not exists raw.territoire_communes ({TERRITORY_COLUMNS})")


# One Python process runs both dbt commands on one parsed manifest (dbtRunner): dbt's import
# and parse are paid once. A subprocess, so that dbt's global state stays out of pytest's.
RUNNER = """
import json, sys
from dbt.cli.main import dbtRunner
common = json.loads(sys.argv[1])
parsed = dbtRunner().invoke(["parse", *common])
if not parsed.success:
    sys.exit(2)
runner = dbtRunner(manifest=parsed.result)
built = runner.invoke(["build", "--empty", "--select", "+test_type:unit", "--resource-type", "model", "seed", *common])
if not built.success:
    sys.exit(3)
# The key tests of marts.indicateurs (by hash), marts.territoires (`key`) and
# marts.financements_caf (a nullable column): their SQL is run on chosen rows below.
keys = ["indicateurs,test_name:unique_combination", "territoires,test_name:key", "financements_caf,test_name:unique_combination"]
if not runner.invoke(["compile", "--select", *keys, *common]).success:
    sys.exit(4)
sys.exit(0 if runner.invoke(["test", "--select", "test_type:unit", *common]).success else 1)
"""


def marts_db_of(build_db: Path) -> Path:
    return build_db.with_name(f"{build_db.stem}-marts.duckdb")


def connect_with_marts(build_db: Path) -> duckdb.DuckDBPyConnection:
    """The build database with the marts file attached as dbt attaches it, marts as the
    default catalog (the compiled tests name `publication.marts.…`)."""
    con = duckdb.connect(str(build_db))
    con.execute("attach ? as publication", [str(marts_db_of(build_db))])
    con.execute("use publication")
    return con


def run_unit_tests(build_db: Path, work: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    common = [
        "--project-dir", str(DBT_PROJECT),
        "--profiles-dir", str(DBT_PROJECT),
        "--target-path", str(work / "target"),
        "--log-path", str(work / "logs"),
        "--vars", json.dumps({"build_db": str(build_db), "marts_db": str(marts_db_of(build_db))}),
    ]
    return subprocess.run([sys.executable, "-c", RUNNER, json.dumps(common)], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def unit_run(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """Parse, build the models the unit tests read (empty), run the unit tests: once."""
    work = tmp_path_factory.mktemp("dbt_unit")
    build_db = work / "build.duckdb"
    create_raw_tables(build_db)
    return work, build_db, run_unit_tests(build_db, work)


def test_dbt_unit_tests_pass(unit_run):
    tmp_path, _build_db, tested = unit_run
    output = f"{tested.stdout}\n{tested.stderr}"
    assert tested.returncode == 0, f"dbt unit tests failed (exit {tested.returncode}):\n{output}"

    run_results = json.loads((tmp_path / "target" / "run_results.json").read_text())
    statuses = {
        result["unique_id"].rsplit(".", 1)[-1]: result["status"]
        for result in run_results["results"]
        if result["unique_id"].startswith("unit_test.")
    }
    assert statuses == {name: "pass" for name in EXPECTED_UNIT_TESTS}, output


def test_the_key_test_by_hash_finds_a_repeated_key_and_only_it(unit_run):
    """unique_combination with by_hash (tests/generic): a hash groups the rows first, then the
    rows whose hash repeats are grouped by their columns. Run here on rows of marts.indicateurs."""
    work, build_db, tested = unit_run
    assert tested.returncode in (0, 1), tested.stdout
    [compiled] = (work / "target" / "compiled").rglob("unique_combination_indicateurs_*.sql")
    row = "insert into marts.indicateurs (indicateur_code, territoire_niveau, territoire_code, annee, est_approximatif) " \
          "values (?, ?, ?, ?, false)"
    with connect_with_marts(build_db) as con:
        con.executemany(row, [("nb_allocataires", "commune", "62160", 2018), ("nb_allocataires", "commune", "62160", 2019),
                              ("nb_allocataires", "epci", "62160", 2018), ("part_rsa", "commune", "62160", 2018)])
        assert con.execute(compiled.read_text()).fetchall() == []
        con.execute(row, ["nb_allocataires", "commune", "62160", 2019])
        assert con.execute(compiled.read_text()).fetchall() == [("nb_allocataires", "commune", "62160", 2019, 2)]


def test_a_key_refuses_null_unless_the_column_is_declared_nullable(unit_run):
    """`key` and unique_combination (tests/generic) fail on a NULL in the key as on a repeat,
    except in the columns listed in nullable_columns (marts.financements_caf's structure_id)."""
    work, build_db, tested = unit_run
    assert tested.returncode in (0, 1), tested.stdout
    [key] = (work / "target" / "compiled").rglob("key_territoires_code_commune.sql")
    [funding_key] = (work / "target" / "compiled").rglob("unique_combination_financement_*.sql")
    with connect_with_marts(build_db) as con:
        con.execute("create schema if not exists marts")
        con.execute("create or replace table marts.territoires (code_commune varchar)")
        con.execute("insert into marts.territoires values ('62160'), ('62193')")
        assert con.execute(key.read_text()).fetchall() == []
        con.execute("insert into marts.territoires values (null), ('62193')")
        assert set(con.execute(key.read_text()).fetchall()) == {(None, 1), ("62193", 2)}

        con.execute("create or replace table marts.financements_caf "
                    "(code_commune varchar, annee integer, dispositif varchar, structure_id varchar)")
        con.execute("insert into marts.financements_caf values ('62160', 2022, 'PS', 'S1'), ('62160', 2022, 'PS', null)")
        assert con.execute(funding_key.read_text()).fetchall() == []
        con.execute("insert into marts.financements_caf values (null, 2022, 'PS', 'S1'), ('62160', 2022, 'PS', null)")
        assert set(con.execute(funding_key.read_text()).fetchall()) == {
            ("62160", 2022, "PS", None, 2), (None, 2022, "PS", "S1", 1)}
