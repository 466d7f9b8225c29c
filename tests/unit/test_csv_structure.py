"""Structural faults of a delimited extract are rejected with their physical line."""

import pytest

from ingest.errors import ContractError
from ingest.sources.caf_legacy import THEMES, read_legacy_file
from ingest.sources.territory import read_epci_composition

NIVCOM = THEMES["nivcomtotal"]
HEADER = "Communes;Codes_Insee;NB_Pers_par_Foyer_Alloc;NB_Enfants\n"


def rejection(path):
    with pytest.raises(ContractError) as error:
        read_legacy_file(path, NIVCOM, 2018)
    violation = error.value.violations[0]
    return violation.line, violation.column, violation.rule, violation.message


def test_a_stray_separator_is_rejected_not_shifted_into_the_next_column(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Boulogne-sur-Mer;62160;27000;11000\nLe Portel;62667;9;000;4000\n")
    line, _column, rule, message = rejection(path)
    assert (line, rule) == (3, "structure_csv")
    assert "5 champs au lieu de 4" in message


def test_a_truncated_line_is_rejected_not_read_as_secrecy(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Boulogne-sur-Mer;62160;27000;11000\nLe Portel;62667;9000\n")
    line, _column, rule, message = rejection(path)
    assert (line, rule) == (3, "structure_csv")
    assert "3 champs au lieu de 4" in message


def test_separators_after_the_last_column_are_tolerated(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER.replace("\n", ";\n") + "Boulogne-sur-Mer;62160;27000;11000;\n")
    frame = read_legacy_file(path, NIVCOM, 2018)
    assert frame.set_index("code_commune").at["62160", "nb_enfants"] == 11000


def test_line_numbers_count_blank_lines_as_an_editor_does(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "\nBoulogne-sur-Mer;62160;27000;11000\n\nLe Portel;62667;abc;4000\n")
    line, column, rule, _message = rejection(path)
    assert (line, column, rule) == (5, "NB_Pers_par_Foyer_Alloc", "comptage_entier")


def test_a_thousands_separator_is_refused_not_read_as_one(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Boulogne-sur-Mer;62160;27.000;11000\n")
    line, column, rule, message = rejection(path)
    assert (line, column, rule) == (2, "NB_Pers_par_Foyer_Alloc", "comptage_entier")
    assert "27.000" in message


def test_a_spreadsheet_decimal_zero_is_accepted(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Boulogne-sur-Mer;62160;27000,0;11000.00\n")
    frame = read_legacy_file(path, NIVCOM, 2018).set_index("code_commune")
    assert (frame.at["62160", "nb_pers_par_foyer_alloc"], frame.at["62160", "nb_enfants"]) == (27000, 11000)


def test_a_header_without_rows_is_rejected(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER)
    assert rejection(path)[2] == "fichier_vide"


def test_a_column_named_twice_is_rejected(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", "Communes;Codes_Insee;NB_Enfants;nb_enfants\nBoulogne-sur-Mer;62160;1;2\n")
    line, column, rule, _message = rejection(path)
    assert (line, column, rule) == (1, "nb_enfants", "structure_csv")


def test_an_unreadable_workbook_is_a_contract_error(tmp_path):
    path = tmp_path / "Intercommunalite_Metropole_au_01-01-2024.xlsx"
    path.write_bytes(b"<html>page d'erreur du portail</html>")
    with pytest.raises(ContractError) as error:
        read_epci_composition(path)
    assert error.value.violations[0].rule == "structure_xlsx"


def test_rows_of_separators_only_are_skipped_like_blank_lines(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Boulogne-sur-Mer;62160;27000;11000\n;;;\n")
    frame = read_legacy_file(path, NIVCOM, 2018)
    assert frame.code_commune.tolist() == ["62160"]


def test_a_missing_column_is_reported_on_the_header_line(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", "\n\nCommunes;Codes_Insee;NB_Enfants\nBoulogne-sur-Mer;62160;11000\n")
    line, column, rule, _message = rejection(path)
    assert (line, column, rule) == (3, "nb_pers_par_foyer_alloc", "colonne_obligatoire")


def test_a_workbook_named_csv_is_rejected_as_such(tmp_path):
    path = tmp_path / "NIVCOMTOTAL2018.csv"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    assert rejection(path)[2] == "format_csv"


def test_a_file_mixing_utf8_and_cp1252_lines_is_rejected_at_the_first_cp1252_line(tmp_path):
    path = tmp_path / "NIVCOMTOTAL2018.csv"
    path.write_bytes(
        HEADER.encode() + "Équihen-Plage;62300;1500;700\n".encode() + "Saint-Léonard;62760;3000;900\n".encode("cp1252")
    )
    line, _column, rule, _message = rejection(path)
    assert (line, rule) == (3, "encodage")


def test_an_unterminated_quote_is_reported_where_it_starts(write_file):
    rows = "".join(f"Commune {n};62{n:03d};1;2\n" for n in range(100, 150))
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + 'Boulogne-sur-Mer;62160;"27000;11000\n' + rows)
    line, _column, rule, message = rejection(path)
    assert (line, rule) == (2, "structure_csv")
    assert "guillemet" in message


def test_a_quoted_name_spanning_two_lines_keeps_its_first_line(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + '"Boulogne-\nsur-Mer";62160;27000;11000\nLe Portel;62667;abc;1\n')
    line, column, _rule, _message = rejection(path)
    assert (line, column) == (4, "NB_Pers_par_Foyer_Alloc")


def test_a_whitespace_line_before_the_header_does_not_hide_its_separator(tmp_path):
    from ingest.sources.territory import read_cog_communes

    path = tmp_path / "v_commune_2024.csv"
    path.write_text(" \nTYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT\n"
                    "COM,62160,32,62,62D,624,0,BOULOGNE SUR MER,Boulogne-sur-Mer,Boulogne-sur-Mer,6299,\n", encoding="utf-8")
    assert read_cog_communes(path).code_commune.tolist() == ["62160"]


def test_every_bad_column_is_reported_in_one_pass(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Boulogne-sur-Mer;62160;n/a;11000\nLe Portel;62667;9000;-3\n")
    with pytest.raises(ContractError) as error:
        read_legacy_file(path, NIVCOM, 2018)
    assert [(v.line, v.column, v.rule) for v in error.value.violations] == [
        (2, "NB_Pers_par_Foyer_Alloc", "comptage_entier"), (3, "NB_Enfants", "comptage_positif")
    ]


def test_a_one_megabyte_cell_is_reported_as_too_long_not_as_a_quote(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Boulogne-sur-Mer;62160;27000;11000\n"
                      + "Le Portel;62667;" + "9" * 1_000_000 + ";4000\n")
    line, _column, rule, message = rejection(path)
    assert (line, rule) == (3, "champ_trop_long")
    assert "guillemet" not in message
