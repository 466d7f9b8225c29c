"""What a file replaces in the build database, and when it is read again."""

import shutil

import duckdb

from ingest.discovery import discover
from ingest.personal import DEVELOPMENT_KEY
from ingest.pipeline import ingest_source
from ingest.registry import SOURCES
from orchestration.settings import SAMPLE_DIR

PARTNER = "code_commune;annee;variable;valeur\n"


def ingest(source, landing, tmp_path):
    return ingest_source(SOURCES[source], discover(landing), tmp_path / "build.duckdb", tmp_path / "quarantine",
                         keep_originals=False, log=lambda _m: None)


def rows(tmp_path, sql):
    with duckdb.connect(str(tmp_path / "build.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_partner_extract_replaces_only_the_year_variable_pairs_it_holds(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "extrait_partenaire_a.csv").write_text(PARTNER + "62160;2019;am_actives;120\n", encoding="utf-8")
    assert ingest("caf_partenaire", landing, tmp_path).ok
    (landing / "extrait_partenaire_b.csv").write_text(
        PARTNER + "62160;2018;am_actives;110\n62160;2019;familles_afi;30\n", encoding="utf-8"
    )
    assert ingest("caf_partenaire", landing, tmp_path).ok
    assert rows(tmp_path, "select annee, variable, valeur from raw.caf_partenaire order by 1, 2") == [
        (2018, "am_actives", 110), (2019, "am_actives", 120), (2019, "familles_afi", 30)
    ]


def test_a_file_whose_rows_were_all_replaced_is_read_again(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    first = landing / "extrait_partenaire_a.csv"
    first.write_text(PARTNER + "62160;2019;am_actives;120\n", encoding="utf-8")
    ingest("caf_partenaire", landing, tmp_path)
    shutil.move(first, tmp_path / "a.csv")
    second = landing / "extrait_partenaire_b.csv"
    second.write_text(PARTNER + "62160;2019;am_actives;125\n", encoding="utf-8")
    ingest("caf_partenaire", landing, tmp_path)
    second.unlink()  # the correction was wrong: the user puts the first extract back
    shutil.move(tmp_path / "a.csv", first)

    report = ingest("caf_partenaire", landing, tmp_path)

    assert report.files_loaded == ["extrait_partenaire_a.csv"]
    assert rows(tmp_path, "select valeur from raw.caf_partenaire") == [(120,)]


def test_census_iris_edition_keeps_the_variables_only_the_commune_edition_has(tmp_path, write_file):
    write_file("landing/base-cc-evol-struct-pop-2021.CSV", "CODGEO;P21_POP;P21_POP0019\n62160;40000;9000\n")
    write_file("landing/base-ic-evol-struct-pop-2021.csv", "IRIS;COM;P21_POP\n621600101;62160;20000\n621600102;62160;20000\n")
    assert ingest("insee_recensement_ages", tmp_path / "landing", tmp_path).ok
    assert rows(tmp_path, "select variable, valeur from raw.insee_recensement_ages order by 1") == [
        ("pop", 40000.0), ("pop0019", 9000.0)
    ]


def test_two_different_files_for_one_theme_and_year_are_both_refused(tmp_path):
    landing = tmp_path / "landing"
    (landing / "ancien").mkdir(parents=True)
    shutil.copy(SAMPLE_DIR / "caf" / "AAHCom2018.csv", landing / "AAHCom2018.csv")
    old = (SAMPLE_DIR / "caf" / "AAHCom2018.csv").read_text(encoding="utf-8-sig").splitlines()[:3]
    (landing / "ancien" / "AAHCom2018.csv").write_text("\n".join(old) + "\n", encoding="utf-8")

    report = ingest("caf_legacy", landing, tmp_path)

    assert not report.ok and report.files_loaded == []
    assert {v.rule for v in report.violations} == {"fichier_unique"}
    assert "AAHCom2018.csv, ancien/AAHCom2018.csv" in report.violations[0].message
    assert (landing / "ancien" / "AAHCom2018.csv").exists()  # not quarantined: neither is known to be wrong


def test_an_identical_copy_is_loaded_once(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(SAMPLE_DIR / "caf" / "AAHCom2018.csv", landing / "AAHCom2018.csv")
    shutil.copy(SAMPLE_DIR / "caf" / "AAHCom2018.csv", landing / "AAHCom2018 (1).csv")

    report = ingest("caf_legacy", landing, tmp_path)

    assert report.ok and len(report.files_loaded) == 1 and len(report.files_unchanged) == 1


def test_a_corrected_file_among_unchanged_ones_is_the_only_one_read_again(tmp_path):
    # The files to read are chosen first (against the build database), then read one ahead.
    landing = tmp_path / "landing"
    landing.mkdir()
    for name in ("AAHCom2013.csv", "AAHCom2018.csv", "RSACom2018.csv"):
        shutil.copy(SAMPLE_DIR / "caf" / name, landing / name)
    assert len(ingest("caf_legacy", landing, tmp_path).files_loaded) == 3
    corrected = landing / "AAHCom2018.csv"
    corrected.write_bytes(corrected.read_bytes().replace(b";62160;", b";62160;", 1) + b"\r\n")

    report = ingest("caf_legacy", landing, tmp_path)

    assert report.ok and report.files_loaded == ["AAHCom2018.csv"]
    assert sorted(report.files_unchanged) == ["AAHCom2013.csv", "RSACom2018.csv"]


def test_overlapping_census_editions_give_the_same_figures_on_every_run(tmp_path, write_file):
    write_file("landing/base-cc-evol-struct-pop-2021.CSV", "CODGEO;P21_POP\n62160;40000\n")
    write_file("landing/base-ic-evol-struct-pop-2021.csv",
               "IRIS;COM;P21_POP;P21_POP0019\n621600101;62160;20001;4000\n621600102;62160;20001;5000\n")
    census = "select variable, valeur from raw.insee_recensement_ages order by 1"

    ingest("insee_recensement_ages", tmp_path / "landing", tmp_path)
    first = rows(tmp_path, census)
    second = ingest("insee_recensement_ages", tmp_path / "landing", tmp_path)

    assert rows(tmp_path, census) == first == [("pop", 40002.0), ("pop0019", 9000.0)]
    assert second.files_loaded == []  # read once, not on every run


def test_an_unchanged_landing_reads_no_file_again(tmp_path):
    landing = discover(SAMPLE_DIR)
    for source, spec in SOURCES.items():
        key = DEVELOPMENT_KEY if spec.personal else None
        ingest_source(spec, landing, tmp_path / "build.duckdb", tmp_path / "q", True, log=lambda _m: None, pseudo_key=key)
        second = ingest_source(spec, landing, tmp_path / "build.duckdb", tmp_path / "q", True, log=lambda _m: None,
                               pseudo_key=key)
        assert (source, second.files_loaded, len(second.files_unchanged)) == (source, [], second.files_found)


def test_two_partner_extracts_giving_the_same_figure_fail_the_run_naming_both(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "extrait_partenaire_caf.csv").write_text(PARTNER + "62160;2019;am_actives;100\n", encoding="utf-8")
    (landing / "extrait_partenaire_caf (1).csv").write_text(PARTNER + "62160;2019;am_actives;120\n", encoding="utf-8")

    report = ingest("caf_partenaire", landing, tmp_path)

    assert [v.rule for v in report.violations] == ["fichier_unique"]
    assert "extrait_partenaire_caf (1).csv" in report.violations[0].message
    assert sorted(p.name for p in landing.iterdir()) == ["extrait_partenaire_caf (1).csv", "extrait_partenaire_caf.csv"]


def test_a_file_copied_under_another_years_name_is_refused_naming_both(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(SAMPLE_DIR / "caf" / "NIVCOMTOTAL2018.csv", landing / "NIVCOMTOTAL2018.csv")
    shutil.copy(SAMPLE_DIR / "caf" / "NIVCOMTOTAL2018.csv", landing / "NIVCOMTOTAL2019.csv")

    report = ingest("caf_legacy", landing, tmp_path)

    assert sorted((v.file, v.rule) for v in report.violations) == [
        ("NIVCOMTOTAL2018.csv", "fichier_copie"), ("NIVCOMTOTAL2019.csv", "fichier_copie")]
    assert "NIVCOMTOTAL2018.csv" in next(v.message for v in report.violations if v.file == "NIVCOMTOTAL2019.csv")


def test_a_copy_of_a_loaded_file_arriving_under_another_year_is_refused(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(SAMPLE_DIR / "caf" / "NIVCOMTOTAL2018.csv", landing / "NIVCOMTOTAL2018.csv")
    assert ingest("caf_legacy", landing, tmp_path).ok
    (landing / "NIVCOMTOTAL2018.csv").rename(landing / "NIVCOMTOTAL2019.csv")  # loaded, then renamed

    report = ingest("caf_legacy", landing, tmp_path)

    assert [(v.file, v.rule) for v in report.violations] == [("NIVCOMTOTAL2019.csv", "fichier_copie")]
    assert "NIVCOMTOTAL2018.csv (déjà chargé, nivcomtotal/2018)" in report.violations[0].message


def test_a_file_resaved_under_another_years_name_is_refused_even_when_its_bytes_differ(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    original = (SAMPLE_DIR / "caf" / "NIVCOMTOTAL2018.csv").read_bytes()
    (landing / "NIVCOMTOTAL2018.csv").write_bytes(original)
    (landing / "NIVCOMTOTAL2019.csv").write_bytes(original.replace(b"\r\n", b"\n"))  # re-saved: same figures

    report = ingest("caf_legacy", landing, tmp_path)

    assert [(v.file, v.rule) for v in report.violations] == [("NIVCOMTOTAL2019.csv", "fichier_copie")]
    assert "mêmes chiffres que NIVCOMTOTAL2018.csv" in report.violations[0].message


def nivcom_2018_loaded(tmp_path):
    """A landing folder with NIVCOMTOTAL2018.csv, loaded: (the folder, the file's bytes)."""
    landing = tmp_path / "landing"
    landing.mkdir()
    original = (SAMPLE_DIR / "caf" / "NIVCOMTOTAL2018.csv").read_bytes()
    (landing / "NIVCOMTOTAL2018.csv").write_bytes(original)
    assert ingest("caf_legacy", landing, tmp_path).ok
    return landing, original


def test_a_resaved_copy_is_refused_from_a_ledger_of_an_earlier_version_too(tmp_path):
    """The figures of each load are kept in the ledger; loads recorded before it kept them are
    compared with the loaded rows themselves."""
    landing, original = nivcom_2018_loaded(tmp_path)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        assert con.execute("select count(chiffres) from raw._chargements").fetchone() == (1,)
        con.execute("update raw._chargements set chiffres = null")  # as an earlier version left it
    (landing / "NIVCOMTOTAL2019.csv").write_bytes(original.replace(b"\r\n", b"\n"))

    report = ingest("caf_legacy", landing, tmp_path)

    assert [(v.file, v.rule) for v in report.violations] == [("NIVCOMTOTAL2019.csv", "fichier_copie")]
    assert "mêmes chiffres que NIVCOMTOTAL2018.csv" in report.violations[0].message


def test_a_copy_under_an_earlier_years_name_is_refused_when_the_ledger_was_reset(tmp_path):
    """A build database whose ledger forgot a table's loads (a column added since: every file
    is read again, in path order): the copy named 2017 comes first and is compared with the
    2018 rows still loaded, not with the empty ledger."""
    landing, original = nivcom_2018_loaded(tmp_path)
    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        con.execute("delete from raw._chargements where table_name = 'raw.caf_legacy'")
    (landing / "NIVCOMTOTAL2017.csv").write_bytes(original.replace(b"\r\n", b"\n"))

    report = ingest("caf_legacy", landing, tmp_path)

    assert [(v.file, v.rule) for v in report.violations] == [("NIVCOMTOTAL2017.csv", "fichier_copie")]


def test_a_file_refused_once_its_rows_were_staged_leaves_its_years_rows_as_they_were(tmp_path):
    """The reading threads stage each legacy file's rows before the checks that may refuse it
    (here: a corrected 2013 file that holds 2018's figures); refused, nothing of it stays."""
    landing = tmp_path / "landing"
    landing.mkdir()
    for year in (2013, 2018):
        shutil.copy(SAMPLE_DIR / "caf" / f"NIVCOMTOTAL{year}.csv", landing / f"NIVCOMTOTAL{year}.csv")
    assert ingest("caf_legacy", landing, tmp_path).ok
    loaded = "select annee, count(*), min(source_file), sum(v01) from raw.caf_legacy group by annee order by annee"
    before = rows(tmp_path, loaded)
    ledger = "select unit, file_hash from raw._chargements order by unit"
    ledger_before = rows(tmp_path, ledger)
    original = (SAMPLE_DIR / "caf" / "NIVCOMTOTAL2018.csv").read_bytes()
    (landing / "NIVCOMTOTAL2013.csv").write_bytes(original.replace(b"\r\n", b"\n"))

    report = ingest("caf_legacy", landing, tmp_path)

    assert [(v.file, v.rule) for v in report.violations] == [("NIVCOMTOTAL2013.csv", "fichier_copie")]
    assert rows(tmp_path, loaded) == before
    assert rows(tmp_path, ledger) == ledger_before


def test_an_error_at_one_file_leaves_the_files_before_it_and_nothing_of_those_read_ahead(tmp_path, monkeypatch):
    """The reading threads have staged the next files when the second one cannot be archived:
    the source stops, the first file stays loaded, the staged ones are rolled back, and the
    build database opens again in the same process (no transaction left open)."""
    import pytest

    from ingest import pipeline
    from ingest.archive import Archive

    landing = tmp_path / "landing"
    landing.mkdir()
    names = ["AAHCom2013.csv", "AAHCom2018.csv", "BasrevenuCom2013.csv", "BasrevenuCom2018.csv"]
    for name in names:
        shutil.copy(SAMPLE_DIR / "caf" / name, landing / name)
    archived = []

    def archive_content(_archive, _spec, extract, _hash):
        if len(archived) == 1:
            raise pipeline.ArchiveError(f"archivage impossible de {extract.path.name}")
        archived.append(extract.path.name)

    monkeypatch.setattr(pipeline, "archive_content", archive_content)
    with pytest.raises(pipeline.ArchiveError, match="AAHCom2018.csv"):
        ingest_source(SOURCES["caf_legacy"], discover(landing), tmp_path / "build.duckdb", tmp_path / "quarantine",
                      keep_originals=False, log=lambda _m: None, archive=Archive(tmp_path / "archive"))

    assert archived == ["AAHCom2013.csv"]
    assert rows(tmp_path, "select distinct source_file from raw.caf_legacy") == [("AAHCom2013.csv",)]
    assert rows(tmp_path, "select source_file from raw._chargements") == [("AAHCom2013.csv",)]


def has_news_now(source, landing, tmp_path, archive=None) -> bool:
    from ingest.pipeline import has_news

    with duckdb.connect(str(tmp_path / "build.duckdb")) as con:
        return has_news(SOURCES[source], discover(landing), con, archive)


def test_a_source_has_news_until_each_of_its_files_is_loaded_and_archived(tmp_path):
    """An incremental refresh runs the ingest steps of the sources with news only: a file not
    loaded yet, a corrected one, one loaded but not archived, or a raw table to create."""
    from ingest.archive import Archive

    landing = tmp_path / "landing"
    landing.mkdir()
    duckdb.connect(str(tmp_path / "build.duckdb")).close()
    assert has_news_now("caf_partenaire", landing, tmp_path)  # its table does not exist yet
    ingest("caf_partenaire", landing, tmp_path)
    assert not has_news_now("caf_partenaire", landing, tmp_path)  # no file, its table in place
    extract = landing / "extrait_partenaire_a.csv"
    extract.write_text(PARTNER + "62160;2019;am_actives;120\n", encoding="utf-8")
    assert has_news_now("caf_partenaire", landing, tmp_path)
    ingest("caf_partenaire", landing, tmp_path)
    assert not has_news_now("caf_partenaire", landing, tmp_path)
    assert has_news_now("caf_partenaire", landing, tmp_path, Archive(tmp_path / "archive"))  # not archived
    extract.write_text(PARTNER + "62160;2019;am_actives;121\n", encoding="utf-8")  # corrected
    assert has_news_now("caf_partenaire", landing, tmp_path)
