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
