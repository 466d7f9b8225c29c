import pandas as pd
import pytest

from ingest.errors import ContractError
from ingest.sources.insee_populations import read_populations, reference_year

NEW_HEADER = "REG;Région;DEP;CODARR;CODCAN;CODCOM;COM;Commune;PMUN;PCAP;PTOT\n"
OLD_HEADER = "CODREG;REG;CODDEP;CODARR;CODCAN;CODCOM;COM;PMUN;PCAP;PTOT\n"


def test_both_header_variants_give_the_same_populations(write_file):
    new = write_file("2016/donnees_communes.csv", NEW_HEADER + "32;Hauts-de-France;62;621;6260;160;62160;Boulogne-sur-Mer;41412;936;42348\n")
    old = write_file(
        "2011/donnees_communes.csv",
        OLD_HEADER + "32;Hauts-de-France;62;2;99;160;Arras;41412;936;42348\n",
        encoding="cp1252",
    )
    a = read_populations(new, 2016)
    b = read_populations(old, 2011)
    assert a.code_commune.tolist() == b.code_commune.tolist() == ["62160"]
    assert a.pmun.tolist() == b.pmun.tolist() == [41412]
    # A five-letter commune name in COM is not mistaken for a code.
    assert b.libelle_commune.tolist() == ["Arras"]


def test_overseas_code_is_built_from_the_three_digit_departement(write_file):
    path = write_file(
        "2021/donnees_communes.csv",
        "REG;Région;DEP;CODARR;CODCAN;CODCOM;Commune;PMUN;PCAP;PTOT\n"
        "01;Guadeloupe;971;9711;97101;01;Les Abymes;53000;500;53500\n"
        "01;Guadeloupe;971;9712;97102;2;Anse-Bertrand;4000;50;4050\n"  # zero dropped by a spreadsheet
        "84;Auvergne-Rhône-Alpes;01;011;0101;4;Ambérieu-en-Bugey;14000;300;14300\n",
    )
    assert read_populations(path, 2021).code_commune.tolist() == ["97101", "97102", "01004"]


def test_reference_year_comes_from_the_folder_or_the_name(tmp_path):
    assert reference_year(tmp_path / "insee" / "2016" / "donnees_communes.csv", tmp_path) == 2016
    assert reference_year(tmp_path / "donnees_communes_2021.csv", tmp_path) == 2021


def test_missing_reference_year_is_an_error(tmp_path):
    with pytest.raises(ContractError) as error:
        reference_year(tmp_path / "insee" / "donnees_communes.csv", tmp_path)
    assert error.value.violations[0].rule == "annee_reference"


def test_blank_population_is_rejected(write_file):
    path = write_file("2016/donnees_communes.csv", NEW_HEADER + "32;HdF;62;621;6260;160;62160;Boulogne-sur-Mer; ;936;42348\n")
    with pytest.raises(ContractError) as error:
        read_populations(path, 2016)
    violation = error.value.violations[0]
    assert (violation.line, violation.column, violation.rule) == (2, "PMUN", "valeur_obligatoire")


# DuckDB reads a plain file (read_plain_populations); anything unusual goes to the Python
# reader, which names lines and columns. Both must give the very same frame.
PLAIN_FILES = {
    "newer header, spaces and a spreadsheet count": NEW_HEADER
    + "32;Hauts-de-France;62;621;6260;160;62160;Boulogne-sur-Mer;41 412;936;42348\n"
    + "94;Corse;2A;2A1;2A01;004; 2A004 ;Ajaccio ;70000;1000;71000,0\n"
    + "84;Auvergne-Rhône-Alpes;01;011;0101;4;;Ambérieu;14000;300;14300\n",
    "overseas, no COM column": "REG;Région;DEP;CODARR;CODCAN;CODCOM;Commune;PMUN;PCAP;PTOT\n"
    + "01;Guadeloupe;971;9711;97101;01;Les Abymes;53000;500;53500\n"
    + "01;Guadeloupe;971;9712;97102;2;Anse-Bertrand;4000;50;4050\n"
    + "01;Guadeloupe;971;9712;97103;103;Baie-Mahault;30000;50;30050",  # no final line end
    "older header, COM is the name": OLD_HEADER + "32;Hauts-de-France;62;2;99;160;Arras;41412;936;42348\n"
    + "32;Hauts-de-France;62;2;99;75;Calais;70000;936;70936\n",
}


@pytest.mark.parametrize("encoding", ["utf-8", "cp1252"])
@pytest.mark.parametrize("text", PLAIN_FILES.values(), ids=PLAIN_FILES.keys())
def test_duckdb_reads_a_plain_file_exactly_as_the_python_reader(write_file, monkeypatch, text, encoding):
    from ingest.csvfile import plain_layout
    from ingest.sources import insee_populations

    path = write_file("2016/donnees_communes.csv", text, encoding=encoding)
    fast = insee_populations.read_plain_populations(path, plain_layout(path), 2016)
    monkeypatch.setattr(insee_populations, "plain_layout", lambda _path: None)
    slow = read_populations(path, 2016)

    assert fast is not None  # the fast path engaged
    pd.testing.assert_frame_equal(fast, slow)


@pytest.mark.parametrize(("row", "rule"), [
    ("32;HdF;62;621;6260;193;62193;Calais; ;936;42348", "valeur_obligatoire"),
    ("32;HdF;62;621;6260;193;62193;Calais;n/a;936;42348", "comptage_entier"),
    ("32;HdF;6X;621;6260;1600;6X160;Boulogne-sur-Mer;41412;936;42348", "code_commune"),
    ("32;HdF;62;621;6260;160;62160;Boulogne-sur-Mer;41412;936;42348", "cle_unique"),  # twice
])
def test_a_file_duckdb_finds_a_problem_in_is_read_again_to_name_its_line(write_file, row, rule):
    from ingest.csvfile import plain_layout
    from ingest.sources import insee_populations

    text = NEW_HEADER + "32;HdF;62;621;6260;160;62160;Boulogne-sur-Mer;41412;936;42348\n" + row + "\n"
    path = write_file("2016/donnees_communes.csv", text)
    assert insee_populations.read_plain_populations(path, plain_layout(path), 2016) is None
    with pytest.raises(ContractError) as error:
        read_populations(path, 2016)
    violation = error.value.violations[0]
    assert (violation.rule, violation.line) == (rule, 3)
