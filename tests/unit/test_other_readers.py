"""Readers of the current CAF portal, ONAPE, the partner extract and the INSEE census and births."""

import pandas as pd
import pytest

from ingest.errors import ContractError
from ingest.sources.caf_onape import read_onape
from ingest.sources.caf_partner import read_partner_extract
from ingest.sources.caf_portal import dataset_of, read_portal_file, to_long
from ingest.sources.insee_births import read_births
from ingest.sources.insee_census import read_census_ages

TECHNICAL = "dtreffre;numcomdo;nomcom;indfoy_ndur;indnbp_ndur;indfoy_rsa\n"
LABELS = "Date référence;Numéro commune;Nom commune;Nombre foyers NDUR;Nombre personnes NDUR;Nombre foyers RSA\n"
ROWS = "2021-12;62160;Boulogne-sur-Mer;9010;21020;1900\n2021-12;62643;Outreau;3005;7115;640\n"


def rejected(call, *args):
    with pytest.raises(ContractError) as error:
        call(*args)
    violation = error.value.violations[0]
    return violation.line, violation.column, violation.rule


# --- current portal ---------------------------------------------------------------------

def test_label_header_loads_like_technical_names(write_file):
    technical = write_file("a/s_ben_com_f.csv", TECHNICAL + ROWS)
    labels = write_file("b/export.csv", LABELS + ROWS.replace("2021-12", "202112"), encoding="utf-8-sig")
    assert dataset_of(labels, LABELS.strip().split(";")) == "s_ben_com_f"
    left = to_long(read_portal_file(technical, "s_ben_com_f"), "s_ben_com_f").to_frame()
    right = to_long(read_portal_file(labels, "s_ben_com_f"), "s_ben_com_f").to_frame()
    pd.testing.assert_frame_equal(left, right)
    assert set(left.variable) == {"indfoy_ndur", "indnbp_ndur", "indfoy_rsa"}
    assert set(left.annee) == {2021} and set(left.mois) == {12}


def test_portal_file_without_foyers_is_rejected(write_file):
    path = write_file("s_ben_com_f.csv", "dtreffre;numcomdo;indfoy_rsa\n2021-12;62160;1900\n")
    assert rejected(read_portal_file, path, "s_ben_com_f") == (1, "indfoy_ndur", "colonne_obligatoire")


def test_portal_text_in_a_count_is_rejected(write_file):
    path = write_file("s_ben_com_f.csv", TECHNICAL + ROWS.replace("3005", "trois mille"))
    assert rejected(read_portal_file, path, "s_ben_com_f") == (3, "indfoy_ndur", "nombre")


def test_portal_duplicated_commune_month_is_rejected(write_file):
    path = write_file("s_ben_com_f.csv", TECHNICAL + ROWS + "2021-12;62160;Boulogne-sur-Mer;1;2;3\n")
    assert rejected(read_portal_file, path, "s_ben_com_f") == (4, "numcomdo", "cle_unique")


def test_portal_unreadable_date_is_rejected(write_file):
    path = write_file("s_ben_com_f.csv", TECHNICAL + ROWS.replace("2021-12;62643", "déc. 2021;62643"))
    assert rejected(read_portal_file, path, "s_ben_com_f") == (3, "dtreffre", "date_reference")


# DuckDB reads a plain portal file (read_plain_portal_file); anything unusual goes to the
# Python reader, which names lines and columns. Both must give the very same frame.
PLAIN_PORTAL_FILES = {
    "technical names, special rows, a 4-digit code": ("s_ben_com_f", TECHNICAL + ROWS
                                                       + "2021-12;XXXXX;Non localisé;15;30;0\n"
                                                       + "2020-12; 1004 ;Ambérieu ;10;25;5\n"),
    "labels and a date without dash, BOM": ("s_ben_com_f", LABELS + ROWS.replace("2021-12", "202112")),
    "a dimension, no name, a dated day": ("ndur_s_qf_400_com_f",
                                          "dtreffre;numcomdo;qf_400;indfoy_ndur;indnbp_ndur\n"
                                          "2021-12-31;62160;Moins de 400 euros;490;1155\n"
                                          "2021-12-31;62160; De 400 à moins de 800 euros ;850;1995\n"
                                          "2021-12-31;2A004;Moins de 400 euros;15;40"),  # no final line end
}


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252"])
@pytest.mark.parametrize(("dataset", "text"), PLAIN_PORTAL_FILES.values(), ids=PLAIN_PORTAL_FILES.keys())
def test_duckdb_reads_a_plain_portal_file_exactly_as_the_python_reader(write_file, monkeypatch, dataset, text,
                                                                      encoding):
    from ingest.csvfile import plain_layout
    from ingest.sources import caf_portal

    path = write_file(f"{dataset}.csv", text, encoding=encoding)
    fast = caf_portal.read_plain_portal_file(path, plain_layout(path), dataset)
    monkeypatch.setattr(caf_portal, "plain_layout", lambda _path: None)
    slow = read_portal_file(path, dataset)

    assert fast is not None  # the fast path engaged
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.attrs == slow.attrs


@pytest.mark.parametrize(("text", "expected"), [
    (TECHNICAL + ROWS.replace("3005", "trois mille"), (3, "indfoy_ndur", "nombre")),
    (TECHNICAL + ROWS.replace(";3005;", ";;"), (3, "indfoy_ndur", "valeur_obligatoire")),
    (TECHNICAL + ROWS.replace(";3005;", ";-5;"), (3, "indfoy_ndur", "comptage_positif")),
    (TECHNICAL + ROWS + "2021-12;62160;Boulogne-sur-Mer;1;2;3\n", (4, "numcomdo", "cle_unique")),
    (TECHNICAL + ROWS.replace("2021-12;62643", "déc. 2021;62643"), (3, "dtreffre", "date_reference")),
    (TECHNICAL + ROWS.replace("62643", "96001"), (3, "numcomdo", "code_commune_inconnu")),
    (TECHNICAL + ROWS.replace("62643", "62 643"), (3, "numcomdo", "code_commune")),
])
def test_a_portal_file_duckdb_finds_a_problem_in_is_read_again_to_name_its_line(write_file, text, expected):
    from ingest.csvfile import plain_layout
    from ingest.sources import caf_portal

    path = write_file("s_ben_com_f.csv", text)
    assert caf_portal.read_plain_portal_file(path, plain_layout(path), "s_ben_com_f") is None
    assert rejected(read_portal_file, path, "s_ben_com_f") == expected


def test_a_portal_value_with_decimals_is_left_to_the_python_reader(write_file):
    """Both readers would parse "1234.5"; only the Python one does, so that the floats are its."""
    from ingest.csvfile import plain_layout
    from ingest.sources import caf_portal

    path = write_file("s_ben_com_f.csv", TECHNICAL + ROWS.replace(";3005;", ";3005,5;"))
    assert caf_portal.read_plain_portal_file(path, plain_layout(path), "s_ben_com_f") is None
    assert read_portal_file(path, "s_ben_com_f").indfoy_ndur.tolist() == [9010, 3005.5]


# --- ONAPE ------------------------------------------------------------------------------

def test_onape_placeholder_rows_are_flagged_and_level_suffix_dropped(write_file):
    path = write_file(
        "txcouv_pe_epci.csv",
        "numepci;annee;txcouv_epci;txcouv_eaje_epci\n246200729;2018;48,9;22.1\nXX;2018;60.1;23\n",
    )
    frame = read_onape(path, "txcouv", "epci")
    rate = frame[(frame.territoire_code == "246200729") & (frame.variable == "txcouv")]
    assert rate.valeur.tolist() == [48.9]
    assert frame[frame.territoire_code == "XX"].est_placeholder.all()
    assert set(frame.variable) == {"txcouv", "txcouv_eaje"}


def test_onape_invalid_epci_code_is_rejected(write_file):
    path = write_file("txcouv_pe_epci.csv", "numepci;annee;txcouv_epci\n24620072;2018;48.9\n")
    assert rejected(read_onape, path, "txcouv", "epci") == (2, "numepci", "code_territoire")


# --- partner extract --------------------------------------------------------------------

PARTNER = "code_commune;annee;variable;valeur\n"


def test_partner_masked_value_is_null(write_file):
    path = write_file("extrait_partenaire_caf.csv", PARTNER + "62160;2018;am_actives;120\n62658;2018;am_actives;\n")
    frame = read_partner_extract(path)
    assert frame.set_index("code_commune").valeur.isna().tolist() == [False, True]


def test_partner_unknown_variable_is_rejected(write_file):
    path = write_file("extrait_partenaire_caf.csv", PARTNER + "62160;2018;am_actives;120\n62160;2018;assistantes;3\n")
    assert rejected(read_partner_extract, path) == (3, "variable", "variable_connue")


def test_partner_duplicated_figure_is_rejected(write_file):
    path = write_file("extrait_partenaire_caf.csv", PARTNER + "62160;2018;am_actives;120\n62160;2018;AM_actives;121\n")
    assert rejected(read_partner_extract, path) == (3, "code_commune", "cle_unique")


def test_partner_missing_column_is_rejected(write_file):
    path = write_file("extrait_partenaire_caf.csv", "code_commune;annee;variable\n62160;2018;am_actives\n")
    assert rejected(read_partner_extract, path) == (1, "valeur", "colonne_obligatoire")


# --- INSEE census and births --------------------------------------------------------------

def test_iris_edition_sums_to_the_commune_edition(write_file):
    commune = write_file("base-cc-evol-struct-pop-2015.CSV", "CODGEO;P15_POP;P15_POP0610\n62160;42000;3000.5\n62643;13000;1000\n")
    iris = write_file(
        "base-ic-evol-struct-pop-2015.csv",
        "IRIS;COM;P15_POP;P15_POP0610\n621600101;62160;20000;1000.25\n621600102;62160;22000;2000.25\n626430000;62643;13000;1000\n",
    )
    left = read_census_ages(commune).drop(columns=["edition", "ligne"]).sort_values(["code_commune", "variable"]).reset_index(drop=True)
    right = read_census_ages(iris).drop(columns=["edition", "ligne"]).sort_values(["code_commune", "variable"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)
    assert set(left.annee) == {2015} and set(left.variable) == {"pop", "pop0610"}


def test_census_year_comes_from_the_prefix_not_the_file_name(write_file):
    path = write_file("base-cc-evol-struct-pop-2021.CSV", "CODGEO,P21_POP,P15_POP\n62160,40000,42000\n")
    assert sorted(read_census_ages(path).annee.unique()) == [2015, 2021]


def test_each_census_value_keeps_the_year_and_variable_of_its_own_column(write_file):
    """The headers' years and variables are read once per header, then spread to the rows."""
    path = write_file("base-cc-evol-struct-pop-2021.CSV",
                      "CODGEO;P21_POP;P15_POP;P21_POP0610\n62160;40000;42000;3000\n62193;70000;72000;5000\n")
    rows = read_census_ages(path)
    assert sorted(zip(rows.code_commune, rows.annee, rows.variable, rows.valeur, strict=True)) == [
        ("62160", 2015, "pop", 42000), ("62160", 2021, "pop", 40000), ("62160", 2021, "pop0610", 3000),
        ("62193", 2015, "pop", 72000), ("62193", 2021, "pop", 70000), ("62193", 2021, "pop0610", 5000),
    ]


def test_census_without_population_columns_is_rejected(write_file):
    path = write_file("base-cc-evol-struct-pop-2021.CSV", "CODGEO;LIBGEO\n62160;Boulogne\n")
    assert rejected(read_census_ages, path)[2] == "colonne_obligatoire"


def test_births_of_paris_arrondissements_are_not_double_counted(write_file):
    path = write_file("base_naissances_2018.csv", "CODGEO;NAISD17;NAISD18\n75056;100;90\n75101;10;9\n62160;500;480\n")
    frame = read_births(path)
    assert set(frame.code_commune) == {"75056", "62160"}
    assert frame[(frame.code_commune == "62160") & (frame.annee == 2018)].naissances.tolist() == [480]


def test_births_unknown_commune_is_rejected(write_file):
    path = write_file("base_naissances_2018.csv", "CODGEO;NAISD18\n62160;480\n00123;5\n")
    assert rejected(read_births, path) == (3, "CODGEO", "code_commune_inconnu")


def test_two_partner_extracts_of_one_year_with_different_variables_both_stay(tmp_path):
    import duckdb

    from ingest.discovery import discover
    from ingest.pipeline import ingest_source
    from ingest.registry import SOURCES

    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "extrait_partenaire_caf_am.csv").write_text(PARTNER + "62160;2018;am_actives;120\n", encoding="utf-8")
    (landing / "extrait_partenaire_caf_msa.csv").write_text(PARTNER + "62160;2018;allocataires_msa;40\n", encoding="utf-8")
    build = tmp_path / "build.duckdb"

    report = ingest_source(SOURCES["caf_partenaire"], discover(landing), build, tmp_path / "q",
                           keep_originals=False, log=lambda _m: None)

    assert report.ok and len(report.files_loaded) == 2
    with duckdb.connect(str(build)) as con:
        rows = con.execute("select variable, valeur from raw.caf_partenaire order by variable").fetchall()
    assert rows == [("allocataires_msa", 40), ("am_actives", 120)]


def test_portal_more_rsa_households_than_households_is_rejected(write_file):
    from ingest import quality
    from ingest.discovery import Extract
    from ingest.registry import SOURCES

    path = write_file("s_ben_com_f.csv", TECHNICAL + ROWS.replace(";640\n", ";3010\n"))
    extract = Extract("caf_portail", path, theme="s_ben_com_f")
    frame = read_portal_file(path, "s_ben_com_f")

    [violation] = quality.validate(SOURCES["caf_portail"].suite(extract, frame), frame, path.name)

    assert (violation.line, violation.rule) == (3, "indfoy_rsa_au_plus_foyers")


def test_census_negative_iris_value_is_rejected_before_the_sum(write_file):
    path = write_file(
        "base-ic-evol-struct-pop-2021.csv",
        "IRIS;COM;P21_POP;P21_POP0002\n621600101;62160;20000;500\n621600102;62160;22000;-2\n",
    )
    assert rejected(read_census_ages, path) == (3, "P21_POP0002", "comptage_positif")


def test_births_of_1999_are_not_read_as_2099(write_file):
    path = write_file("base_naissances_2018.csv", "CODGEO;NAISD99;NAISD18\n62160;520;480\n")
    assert sorted(read_births(path).annee) == [1999, 2018]


def test_portal_blank_is_a_damaged_file_not_secrecy(write_file):
    path = write_file("s_ben_com_f.csv", TECHNICAL + ROWS.replace(";3005;", ";;"))
    assert rejected(read_portal_file, path, "s_ben_com_f") == (3, "indfoy_ndur", "valeur_obligatoire")


def test_onape_file_names_with_a_year_are_recognised():
    from pathlib import Path

    from ingest.sources.caf_onape import match_file_name

    assert match_file_name(Path("txcouv_pe_com_2019.csv")) == ("txcouv", "com")
    assert match_file_name(Path("nbpla_pe_epci (1).csv")) == ("nbpla", "epci")


def test_census_year_out_of_range_names_the_file_columns(write_file):
    from ingest import quality
    from ingest.discovery import Extract
    from ingest.registry import SOURCES

    path = write_file("base-cc-evol-struct-pop-2021.CSV", "CODGEO;P88_POP\n62160;40000\n")
    frame = read_census_ages(path)
    spec = SOURCES["insee_recensement_ages"]
    [violation] = quality.validate(spec.suite(Extract(spec.name, path), frame), frame, path.name)
    assert (violation.line, violation.column, violation.rule) == (2, "P{aa}_…", "annee_plausible")
