"""What the incremental refresh recomputes (orchestration.incremental), on a small build database."""

import shutil
from dataclasses import replace

import duckdb

from orchestration import incremental
from orchestration.settings import DBT_PROJECT_DIR, Settings

TABLES = ["raw.caf_legacy", "raw.suivi_plan_action"]


def changed_tables(settings: Settings, tables: list[str]) -> set[str] | None:
    found = incremental.changes(settings, tables)
    return None if found is None else found.tables


def build_with_two_tables(tmp_path) -> Settings:
    settings = Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")
    settings.build_db.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema raw")
        con.execute("create table raw.caf_legacy as select range as code, range * 2 as valeur from range(1000)")
        con.execute("create table raw.suivi_plan_action as select 'a1' as indicateur, 3 as valeur")
    duckdb.connect(str(settings.marts_db)).close()  # the marts the last refresh built
    return settings


def test_only_the_table_whose_rows_changed_is_recomputed(tmp_path):
    settings = build_with_two_tables(tmp_path)
    assert changed_tables(settings, TABLES) is None  # never built: everything
    incremental.record_success(settings, TABLES)
    assert incremental.has_record(settings)
    assert changed_tables(settings, TABLES) == set()

    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("update raw.suivi_plan_action set valeur = 4")
    assert changed_tables(settings, TABLES) == {"raw.suivi_plan_action"}

    # Rows swapped between two keys: same count, same sum of values, still a change.
    incremental.record_success(settings, TABLES)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("update raw.caf_legacy set valeur = case code when 1 then 4 when 2 then 2 else valeur end")
    assert changed_tables(settings, TABLES) == {"raw.caf_legacy"}


def test_marts_file_gone_recomputes_everything(tmp_path):
    """The models a refresh does not recompute are kept in the marts file: without it, all are."""
    settings = build_with_two_tables(tmp_path)
    incremental.record_success(settings, TABLES)
    settings.marts_db.unlink()
    assert not incremental.has_record(settings) and changed_tables(settings, TABLES) is None


def test_a_table_that_appears_or_disappears_is_a_change(tmp_path):
    settings = build_with_two_tables(tmp_path)
    incremental.record_success(settings, [*TABLES, "raw.caf_onape"])
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create table raw.caf_onape as select 1 as x")
        con.execute("drop table raw.suivi_plan_action")
    assert changed_tables(settings, [*TABLES, "raw.caf_onape"]) == {"raw.caf_onape", "raw.suivi_plan_action"}


def test_a_failed_refresh_or_other_settings_recompute_everything(tmp_path):
    settings = build_with_two_tables(tmp_path)
    incremental.record_success(settings, TABLES)
    assert changed_tables(replace(settings, territory_epci="all-in-departement"), TABLES) is None
    assert changed_tables(replace(settings, all_departement_communes=True), TABLES) is None
    incremental.forget(settings)
    assert changed_tables(settings, TABLES) is None


def test_the_project_fingerprint_follows_models_and_seeds_not_the_build_path(tmp_path):
    project = tmp_path / "dbt_project"
    for part in ("models", "seeds", "macros"):
        shutil.copytree(DBT_PROJECT_DIR / part, project / part)
    shutil.copy(DBT_PROJECT_DIR / "dbt_project.yml", project)
    settings = Settings(landing_dir=tmp_path / "a", warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")
    before = incremental.project_fingerprint(settings, project)
    elsewhere = Settings(landing_dir=tmp_path / "b", warehouse=tmp_path / "x" / "ctg.duckdb", territory_epci="246200729")
    assert incremental.project_fingerprint(elsewhere, project) == before
    (project / "target").mkdir()  # what dbt writes is not the project
    (project / "target" / "manifest.json").write_text("{}")
    assert incremental.project_fingerprint(settings, project) == before
    groups = project / "seeds" / "groupements.csv"
    groups.write_text(groups.read_text(encoding="utf-8") + "g,Groupe,commune,62160\n", encoding="utf-8")
    assert incremental.project_fingerprint(settings, project) != before


YEARLY = ("raw.caf_legacy",)


SIX_YEARS = ("select 2013 + range % 6 as annee, '62' || lpad((range // 6)::varchar, 3, '0') as code_commune, "
             "'Commune ' || range // 6 as libelle_commune, range as valeur from range(600)")


def build_with_years(tmp_path, legacy_rows: str = SIX_YEARS) -> Settings:
    """A yearly table (by default 2013 to 2018: commune, name, value) and a table without years."""
    settings = Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "ctg.duckdb", territory_epci="246200729")
    settings.build_db.parent.mkdir(parents=True)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema raw")
        con.execute(f"create table raw.caf_legacy as {legacy_rows}")
        con.execute("create table raw.suivi_plan_action as select 'a1' as indicateur, 3 as valeur")
    duckdb.connect(str(settings.marts_db)).close()
    incremental.record_success(settings, TABLES, YEARLY)
    return settings


def since_year(settings: Settings, statement: str) -> int | None:
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute(statement)
    found = incremental.changes(settings, TABLES, YEARLY)
    assert found is not None and "raw.caf_legacy" in found.tables
    incremental.record_success(settings, TABLES, YEARLY, found.fingerprints)
    return found.since_year


def test_the_models_recompute_from_the_earliest_year_that_changed(tmp_path):
    settings = build_with_years(tmp_path)
    assert since_year(settings, "update raw.caf_legacy set valeur = valeur + 1 where annee = 2018") == 2018
    assert since_year(settings, "update raw.caf_legacy set valeur = 0 where annee = 2017 and code_commune = '62001'") == 2017
    assert since_year(settings, "update raw.caf_legacy set valeur = valeur + 1 where annee in (2014, 2017)") == 2014
    assert since_year(settings, "insert into raw.caf_legacy select 2019, code_commune, libelle_commune, 1 "
                                "from raw.caf_legacy where annee = 2018") == 2019  # a new year, same names
    assert since_year(settings, "delete from raw.caf_legacy where annee = 2015") == 2015  # a year withdrawn
    # Recorded as taken: nothing changed since.
    assert incremental.changes(settings, TABLES, YEARLY).tables == set()


def test_a_commune_named_differently_or_another_source_recomputes_every_year(tmp_path):
    """A name is that of every year (int_communes__libelles); a source without years may feed any."""
    settings = build_with_years(tmp_path)
    assert since_year(settings, "update raw.caf_legacy set libelle_commune = 'Autre nom' "
                                "where annee = 2018 and code_commune = '62001'") is None
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("update raw.caf_legacy set valeur = valeur + 1 where annee = 2018")
        con.execute("update raw.suivi_plan_action set valeur = 4")
    found = incremental.changes(settings, TABLES, YEARLY)
    assert found.tables == set(TABLES) and found.since_year is None


def test_a_record_without_years_recomputes_every_year(tmp_path):
    """A build database recorded by an earlier version: per-table fingerprints only."""
    settings = build_with_years(tmp_path)
    incremental.record_success(settings, TABLES)  # not yearly: no years recorded
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("update raw.caf_legacy set valeur = valeur + 1 where annee = 2018")
    found = incremental.changes(settings, TABLES, YEARLY)
    assert found.tables == {"raw.caf_legacy"} and found.since_year is None


def test_a_yearly_table_loaded_again_with_the_same_rows_has_not_changed(tmp_path):
    """The portal loads all its files again when one is new: only the years whose rows differ
    count, not the load time. A table without years counts every load."""
    settings = build_with_years(tmp_path)
    with duckdb.connect(str(settings.build_db)) as con:
        for table in TABLES:
            con.execute(f"alter table {table} add column loaded_at timestamptz default now()")
    incremental.record_success(settings, TABLES, YEARLY)
    with duckdb.connect(str(settings.build_db)) as con:
        for table in TABLES:
            con.execute(f"update {table} set loaded_at = loaded_at + interval 1 hour")
    assert incremental.changes(settings, TABLES, YEARLY).tables == {"raw.suivi_plan_action"}


def test_a_refresh_killed_after_its_models_changed_is_followed_by_a_whole_one(tmp_path):
    settings = build_with_years(tmp_path)
    incremental.record_success(settings, TABLES, YEARLY)
    assert incremental.has_record(settings)
    incremental.mark_in_progress(settings)  # then killed: nothing records success nor forgets
    assert not incremental.has_record(settings) and incremental.changes(settings, TABLES, YEARLY) is None


def test_a_name_another_theme_already_used_is_still_a_change_of_names(tmp_path):
    """int_communes__libelles reads the names of some themes only: a theme taking up another
    theme's spelling changes the names it reads, though no (commune, name) pair is new."""
    settings = build_with_years(tmp_path, "select * from (values ('config', 2018, '62765', 'ST OMER', 1), "
                                          "('rsa', 2018, '62765', 'SAINT-OMER', 2)) "
                                          "as t(theme, annee, code_commune, libelle_commune, valeur)")
    assert since_year(settings, "insert into raw.caf_legacy values ('config', 2019, '62765', 'SAINT-OMER', 3)") is None


THEMES = ("select theme, 2016 + range % 3 as annee, '62' || lpad((range // 3)::varchar, 3, '0') as code_commune, "
          "'Commune ' || range // 3 as libelle_commune, range as valeur "
          "from range(300), (values ('nivcomtotal'), ('config_familiale'), ('logement')) as t(theme)")
# raw.caf_legacy's kinds of rows: the theme, and the prefixes of int_communes__variables each feeds.
PARTS = {"raw.caf_legacy": ("theme", {"nivcomtotal": ["nivcom"], "config_familiale": ["config"], "logement": []})}


def changed_prefixes(settings: Settings, statement: str, parts=PARTS) -> tuple[int | None, list[str] | None]:
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute(statement)
    found = incremental.changes(settings, TABLES, YEARLY, parts)
    incremental.record_success(settings, TABLES, YEARLY, found.fingerprints)
    return found.since_year, found.prefixes


def test_a_theme_that_changed_recomputes_the_indicators_of_its_variables_only(tmp_path):
    settings = build_with_years(tmp_path, THEMES)
    incremental.record_success(settings, TABLES, YEARLY, parts={"raw.caf_legacy": "theme"})
    assert changed_prefixes(settings, "update raw.caf_legacy set valeur = valeur + 1 "
                                      "where theme = 'nivcomtotal' and annee = 2018") == (2018, ["nivcom"])
    assert changed_prefixes(settings, "update raw.caf_legacy set valeur = valeur + 1 where theme <> 'logement' "
                                      "and annee >= 2017") == (2017, ["config", "nivcom"])
    # A theme staged but joined to no indicator: the years are recomputed, no indicator.
    assert changed_prefixes(settings, "update raw.caf_legacy set valeur = 0 where theme = 'logement'") == (2016, [])
    # A theme the registry does not know, or another source that changed too: every indicator.
    unknown = {"raw.caf_legacy": ("theme", {"nivcomtotal": ["nivcom"], "config_familiale": ["config"]})}
    assert changed_prefixes(settings, "update raw.caf_legacy set valeur = 1 where theme = 'logement'",
                            unknown) == (2016, None)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("update raw.caf_legacy set valeur = valeur + 1 where theme = 'nivcomtotal' and annee = 2018")
        con.execute("update raw.suivi_plan_action set valeur = 4")
    found = incremental.changes(settings, TABLES, YEARLY, PARTS)
    assert found.since_year is None and found.prefixes is None


def test_a_record_without_kinds_of_rows_recomputes_every_indicator(tmp_path):
    """A build database recorded by an earlier version: per-year fingerprints only."""
    settings = build_with_years(tmp_path, THEMES)  # recorded without parts
    assert changed_prefixes(settings, "update raw.caf_legacy set valeur = valeur + 1 "
                                      "where theme = 'nivcomtotal' and annee = 2018") == (2018, None)


def test_names_kept_from_the_last_refresh_are_those_hashed_again(tmp_path):
    """A table whose names are the same in every year and kind keeps the names fingerprint of
    the last refresh (the distinct names are not hashed again): it must be the one a fresh
    hashing finds, or a later change of names would be missed or invented."""
    settings = build_with_years(tmp_path)
    assert since_year(settings, "update raw.caf_legacy set valeur = valeur + 1 where annee = 2018") == 2018
    with duckdb.connect(str(settings.build_db), read_only=True) as con:
        carried = incremental.read_record(con)["noms"]
        assert carried == incremental.table_fingerprints(con, TABLES, YEARLY)["noms"]
    # A commune dropped from one year keeps its name in the others: still the same names.
    assert since_year(settings, "delete from raw.caf_legacy where annee = 2018 and code_commune = '62001'") == 2018
