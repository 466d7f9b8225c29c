from pathlib import Path

import pandas as pd
import pytest

from ingest import quality
from ingest.errors import ContractError
from ingest.sources.caf_legacy import THEME_LIST, THEMES, VALUE_COLUMNS, match_file_name, read_legacy_file, to_raw, variables_of

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
    left = to_raw(read_legacy_file(clean, NIVCOM, 2013), NIVCOM).to_frame()
    right = to_raw(read_legacy_file(variant, NIVCOM, 2013), NIVCOM).to_frame()
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
    "plain digits, secrecy empty or spaces": "\n".join([
        CONFIG_HEADER, config_row("Wimille", "62893", ""), config_row("Wissant", "62899", " "),
        config_row("Calais", "62193", "0012"),
    ]) + "\n",
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


@pytest.mark.parametrize(("text", "scans"), [
    (PLAIN_FILES["plain digits, secrecy empty or spaces"], 1),
    (PLAIN_FILES["secrecy, 4-digit code, special rows, spreadsheet counts"], 2),
])
def test_counts_are_cleaned_in_a_second_scan_only_when_a_cell_is_not_plain_digits(write_file, monkeypatch, text, scans):
    """The cleaning expressions make a national file's scan 5 times slower: a file of plain
    digits and blanks (every file the CAF publishes) is read without them."""
    from ingest import csvfile
    from ingest.csvfile import plain_layout
    from ingest.sources import caf_legacy

    path = write_file("ConfigFamiliale2018.csv", text)
    selects = []
    scan = csvfile.scan_plain_file
    monkeypatch.setattr(csvfile, "scan_plain_file", lambda *args: selects.append(args[2]) or scan(*args))

    assert caf_legacy.read_plain_legacy_file(path, plain_layout(path), CONFIG, 2018) is not None
    assert len(selects) == scans
    assert "regexp_replace" not in selects[0]


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


@pytest.mark.parametrize("text", [
    CONFIG_HEADER + "\n" + config_row("Boulogne", "62160") + ";4\n",  # a field too many
    CONFIG_HEADER + "\n" + config_row("Boulogne", "62160").rsplit(";", 1)[0] + "\n",  # a field too few
    CONFIG_HEADER + "\n" + config_row("Boulogne", "62160") + "\n" + ";" * (len(CONFIG.required) + 1) + "\n",
    CONFIG_HEADER + "\n" + config_row("Boulogne", "62160") + "\n" + " ;\u00a0" + ";" * len(CONFIG.required) + "\n",
    CONFIG_HEADER + "\n" + config_row("Boulogne", "62160") + "\n   \n",  # spaces only
    CONFIG_HEADER + "\n" + config_row("Boulogne", "62160") + "\n\n",  # a blank last line
])
def test_a_record_duckdb_cannot_read_as_it_is_goes_to_the_python_reader(write_file, monkeypatch, text):
    """Fields too many or too few, lines of separators or blanks: the Python reader's verdict
    (a frame without the blank line, or the line named), never DuckDB's."""
    from ingest.csvfile import plain_layout
    from ingest.sources import caf_legacy

    path = write_file("ConfigFamiliale2018.csv", text)
    layout = plain_layout(path)
    assert layout is None or caf_legacy.read_plain_legacy_file(path, layout, CONFIG, 2018) is None
    monkeypatch.setattr(caf_legacy, "plain_layout", lambda _path: None)
    try:
        slow = read_legacy_file(path, CONFIG, 2018)
    except ContractError:
        return
    assert list(slow.code_commune) == ["62160"]


def test_raw_rows_put_each_variable_in_its_theme_column_and_list_the_file_variables(write_file):
    theme = THEMES["rsa"]  # required nb_allocataires, nb_allocataire_rsa; dont_rsa_jeune third
    path = write_file("RSACom2018.csv", "Communes;Codes_Insee;NB_allocataire_RSA;Dont_RSA_jeune;NB_allocataires\n"
                                        "Outreau;62643;300;;2100\nNon localisé;XXXXX;5;1;9\n")
    rows = to_raw(read_legacy_file(path, theme, 2018), theme).to_frame()
    assert list(rows.columns) == ["theme", "annee", "code_commune", "libelle_commune", "est_special", "ligne",
                                  "variables_fichier", *VALUE_COLUMNS]
    outreau = rows.set_index("code_commune").loc["62643"]
    assert (outreau.theme, outreau.v01, outreau.v02) == ("rsa", 2100, 300)
    assert pd.isna(outreau.v03)  # masked: dont_rsa_jeune is listed
    assert pd.isna(outreau.v04)  # absent: rsa_socle_non_majore is not
    assert outreau.variables_fichier == "nb_allocataires,nb_allocataire_rsa,dont_rsa_jeune"
    assert rows.est_special.tolist() == [False, True]


# The order of a theme's variables is the layout of the rows already loaded (v01, v02...):
# a variable is only ever appended. Changing an order here silently swaps loaded figures.
LOADED_ORDER = {
    "nivcomtotal": ["nb_pers_par_foyer_alloc", "nb_enfants", "nb_enfants_0_2_ans", "nb_enfants_3_5_ans"],
    "config_familiale": ["nb_allocataires", "coup_0_enf", "coup_1_enf", "coup_2_enf", "coup_3_enf", "coup_4plus_enf",
                         "homme_isole", "femme_isolee", "mono_1_enf", "mono_2_enf", "mono_3_enf", "mono_4plus_enf"],
    "tranche_age": ["nb_allocataires", "all0a19", "all20a24", "all25a29", "all30a39", "all40a49", "all50a54",
                    "all55a59", "all60a64", "all65a69", "all70ax", "allagex", "all50a59", "all60ax"],
    "enfant_age": ["nb_enfants_0_2_ans", "nb_enfants_3_5_ans", "nb_enfants_6_11_ans", "nb_enfants_12_15_ans",
                   "nb_enfants_16_17_ans", "nb_enfants_18_19_ans", "nb_enfants_20_24_ans", "nb_enfants"],
    "rsa": ["nb_allocataires", "nb_allocataire_rsa", "dont_rsa_jeune", "rsa_socle_non_majore", "rsa_socle_majore",
            "rsa_activite"],
    "aah": ["nb_allocataires", "all_aah"],
    "aeeh": ["nb_enfant_aeeh", "aeeh_0a2", "aeeh_3a5", "aeeh_6a11", "aeeh_12a15", "aeeh_16a17", "aeeh_18a20"],
    "bas_revenu": ["all_bas_revenu", "nb_allocataires_ress", "pers_bas_revenu", "nb_pers_couv_ress"],
    "dependance": ["nb_allocataires", "tr50pfrb", "tr100pfrb"],
    "paje": ["nb_allocataires", "all_paje", "all_prim", "all_basep", "all_cmg", "all_cmg_asma", "all_cmg_dom",
             "all_cmg_a", "all_clca_colca"],
    "logement": ["nb_allocataires", "total_allocataires_logement", "total_alf", "total_als", "total_apl"],
}


def test_theme_variables_are_only_ever_appended():
    for theme in THEME_LIST:
        loaded = LOADED_ORDER[theme.theme]
        assert theme.variables[:len(loaded)] == loaded, f"{theme.theme}: append new variables, never reorder"
    assert len(VALUE_COLUMNS) == max(len(t.variables) for t in THEME_LIST)
