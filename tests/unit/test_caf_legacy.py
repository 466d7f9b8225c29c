from pathlib import Path

import pandas as pd
import pytest

from ingest import quality
from ingest.errors import ContractError
from ingest.sources.caf_legacy import THEMES, match_file_name, read_legacy_file, to_long, variables_of

NIVCOM = THEMES["nivcomtotal"]
HEADER = "Communes;Codes_Insee;NB_Pers_par_Foyer_Alloc;NB_Enfants\n"


def values(frame: pd.DataFrame, code: str, variable: str):
    return frame.set_index("code_commune").at[code, variable]


def test_file_names_of_every_case_are_recognised():
    assert match_file_name(Path("NIVCOMTOTAL2009.csv")) == (NIVCOM, 2009)
    assert match_file_name(Path("configfamiliale2013.csv"))[0].theme == "config_familiale"
    assert match_file_name(Path("RSACom2014.csv"))[0].theme == "rsa"
    assert match_file_name(Path("enfantAEEH2018.csv"))[0].theme == "aeeh"
    assert match_file_name(Path("ConfigFamiliale2018.CSV"))[1] == 2018
    assert match_file_name(Path("notes2018.csv")) is None


def test_blank_cell_is_masked_not_zero(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Pittefaux;62658; ;12\nBoulogne-sur-Mer;62160;27000;11000\n")
    frame = read_legacy_file(path, NIVCOM, 2018)
    assert pd.isna(values(frame, "62658", "nb_pers_par_foyer_alloc"))
    assert values(frame, "62658", "nb_enfants") == 12
    assert values(frame, "62160", "nb_pers_par_foyer_alloc") == 27000
    assert set(frame.annee) == {2018}


def test_cp1252_lower_case_and_reordered_columns_read_like_the_clean_file(write_file):
    clean = write_file("a/NIVCOMTOTAL2013.csv", HEADER + "Équihen-Plage;62300;1500;700\n")
    variant = write_file(
        "b/nivcomtotal2013.csv", "communes;codes_insee;nb_enfants;nb_pers_par_foyer_alloc\nÉquihen-Plage;62300;700;1500\n",
        encoding="cp1252",
    )
    left = to_long(read_legacy_file(clean, NIVCOM, 2013), NIVCOM).to_frame().sort_values("variable").reset_index(drop=True)
    right = to_long(read_legacy_file(variant, NIVCOM, 2013), NIVCOM).to_frame().sort_values("variable").reset_index(drop=True)
    pd.testing.assert_frame_equal(left, right)
    assert left.libelle_commune.iloc[0] == "Équihen-Plage"


def test_special_rows_are_kept_and_flagged(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Boulogne-sur-Mer;62160;27000;11000\nNon localisé;XXXXX;25;9\n")
    frame = read_legacy_file(path, NIVCOM, 2018)
    assert frame.loc[frame.code_commune == "XXXXX", "est_special"].all()
    assert not frame.loc[frame.code_commune == "62160", "est_special"].any()


def test_missing_column_is_rejected_naming_it(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", "Communes;Codes_Insee;NB_Enfants\nBoulogne-sur-Mer;62160;11000\n")
    with pytest.raises(ContractError) as error:
        read_legacy_file(path, NIVCOM, 2018)
    violation = error.value.violations[0]
    assert (violation.file, violation.line, violation.column, violation.rule) == (
        "NIVCOMTOTAL2018.csv", 1, "nb_pers_par_foyer_alloc", "colonne_obligatoire"
    )


def test_text_in_a_count_is_rejected_with_line_and_column(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Boulogne-sur-Mer;62160;27000;11000\nOutreau;62643;n/a;4000\n")
    with pytest.raises(ContractError) as error:
        read_legacy_file(path, NIVCOM, 2018)
    assert str(error.value) == (
        "fichier NIVCOMTOTAL2018.csv, ligne 3, colonne NB_Pers_par_Foyer_Alloc : "
        "valeur non numérique « n/a » dans une colonne de comptage [règle comptage_entier]"
    )


def test_invalid_commune_code_is_rejected(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Boulogne-sur-Mer;6216;27000;11000\nOutreau;6264X;1;2\n")
    with pytest.raises(ContractError) as error:
        read_legacy_file(path, NIVCOM, 2018)
    violation = error.value.violations[0]
    assert (violation.line, violation.column, violation.rule) == (3, "Codes_Insee", "code_commune")


def test_four_digit_code_gets_its_leading_zero_back(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Bourg-en-Bresse;1053;27000;11000\n")
    frame = read_legacy_file(path, NIVCOM, 2018)
    assert set(frame.code_commune) == {"01053"}


def test_duplicated_commune_is_rejected_at_its_second_line(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Outreau;62643;1;2\nLe Portel;62667;3;4\nOutreau;62643;5;6\n")
    with pytest.raises(ContractError) as error:
        read_legacy_file(path, NIVCOM, 2018)
    violation = error.value.violations[0]
    assert (violation.line, violation.column, violation.rule) == (4, "Codes_Insee", "cle_unique")


def test_unknown_departement_is_rejected(write_file):
    path = write_file("NIVCOMTOTAL2018.csv", HEADER + "Boulogne-sur-Mer;62160;27000;11000\nNulle part;96001;1;2\n")
    with pytest.raises(ContractError) as error:
        read_legacy_file(path, NIVCOM, 2018)
    violation = error.value.violations[0]
    assert (violation.line, violation.column, violation.rule) == (3, "Codes_Insee", "code_commune_inconnu")


def test_2009_spelling_of_the_reference_population_is_accepted(write_file):
    path = write_file("BasrevenuCom2009.csv", "Communes;Codes_Insee;ALL_bas_revenu;Pers_bas_revenu;NB_pers_couv_ress;NB_allocataires\nOutreau;62643;900;2000;5000;2100\n")
    frame = read_legacy_file(path, THEMES["bas_revenu"], 2009)
    assert values(frame, "62643", "nb_allocataires_ress") == 2100


def test_the_current_spelling_wins_over_the_older_one(write_file):
    path = write_file("BasrevenuCom2018.csv", "Communes;Codes_Insee;NB_allocataires;ALL_bas_revenu;NB_allocataires_ress\nOutreau;62643;3000;900;2100\n")
    assert values(read_legacy_file(path, THEMES["bas_revenu"], 2018), "62643", "nb_allocataires_ress") == 2100


def test_more_low_income_than_reference_allocataires_breaks_the_suite(write_file):
    theme = THEMES["bas_revenu"]
    path = write_file("BasrevenuCom2018.csv", "Communes;Codes_Insee;ALL_bas_revenu;NB_allocataires_ress\nOutreau;62643;900;2100\nLe Portel;62667;1500;1400\n")
    frame = read_legacy_file(path, theme, 2018)
    violations = quality.validate(theme.suite(variables_of(frame)), frame, path.name)
    assert [(v.line, v.column, v.rule) for v in violations] == [  # the column as the file spells it
        (3, "ALL_bas_revenu", "all_bas_revenu_inferieur_a_nb_allocataires_ress")
    ]


# DuckDB reads a plain legacy file (read_plain_legacy_file); anything unusual goes to the
# Python reader, which names lines and columns. Both must give the very same frame.
CONFIG = THEMES["config_familiale"]
CONFIG_HEADER = "Communes;Codes_Insee;" + ";".join(v.upper() for v in CONFIG.required)


def config_row(name: str, code: str, first: str = "120") -> str:
    return ";".join([name, code, first, *(["3"] * (len(CONFIG.required) - 1))])


PLAIN_FILES = {
    "secrecy, 4-digit code, special rows, spreadsheet counts": "\n".join([
        CONFIG_HEADER, config_row("Boulogne-sur-Mer", "62160", "1 234"), config_row("Ajaccio", "2A004", "12,0"),
        config_row("Ambérieu", "1004", ""), config_row("Non localisé", "XXXXX"), config_row("Étranger", "99999"),
        config_row(" Outreau ", " 62643 ", " 7 "), config_row("", "", "5"),
    ]) + "\n",
    "no final line end": CONFIG_HEADER + "\n" + config_row("Wimille", "62893"),
}


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
@pytest.mark.parametrize("text", PLAIN_FILES.values(), ids=PLAIN_FILES.keys())
def test_duckdb_reads_a_plain_file_exactly_as_the_python_reader(write_file, monkeypatch, text, encoding):
    from ingest.csvfile import plain_layout
    from ingest.sources import caf_legacy

    path = write_file("ConfigFamiliale2018.csv", text, encoding=encoding)  # CRLF line ends
    layout = plain_layout(path)
    fast = caf_legacy.read_plain_legacy_file(path, layout, CONFIG, 2018)
    monkeypatch.setattr(caf_legacy, "plain_layout", lambda _path: None)
    slow = read_legacy_file(path, CONFIG, 2018)

    assert fast is not None  # the fast path engaged
    pd.testing.assert_frame_equal(fast, slow)
    assert fast.attrs == slow.attrs
    if "62160" in text:
        assert values(fast, "62160", "nb_allocataires") == 1234


@pytest.mark.parametrize(("text", "rule"), [
    (CONFIG_HEADER + "\n" + config_row("Boulogne", "62160") + "\n" + config_row("Boulogne", "62160") + "\n", "cle_unique"),
    (CONFIG_HEADER + "\n" + config_row("Boulogne", "96001") + "\n", "code_commune_inconnu"),
    (CONFIG_HEADER + "\n" + config_row("Boulogne", "6216A") + "\n", "code_commune"),
    (CONFIG_HEADER + "\n" + config_row("Boulogne", "62160", "n/a") + "\n", "comptage_entier"),
    (CONFIG_HEADER + "\n" + config_row("Boulogne", "62160", "-4") + "\n", "comptage_positif"),
    (CONFIG_HEADER + "\n\n" + config_row("Boulogne", "62160", "-4") + "\n", "comptage_positif"),  # blank line: line 3
    (CONFIG_HEADER + "\n" + config_row('"Boulogne"', "62160", "-4") + "\n", "comptage_positif"),  # quoted
])
def test_a_file_duckdb_finds_a_problem_in_is_read_again_to_name_its_line(write_file, text, rule):
    from ingest.csvfile import plain_layout
    from ingest.sources import caf_legacy

    path = write_file("ConfigFamiliale2018.csv", text)
    layout = plain_layout(path)
    assert layout is None or caf_legacy.read_plain_legacy_file(path, layout, CONFIG, 2018) is None
    with pytest.raises(ContractError) as error:
        read_legacy_file(path, CONFIG, 2018)
    violation = error.value.violations[0]
    assert violation.rule == rule
    assert violation.line == text.rstrip("\n").count("\n") + 1  # the last line
