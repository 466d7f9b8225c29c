"""Every Great Expectations rule of every source can fail on a file a user could drop.

The readers check structure, codes and non-negative counts; the suites keep only what the
readers cannot see (a part above its whole, an implausible year, a special row where the
source has none). Each rule is made to fail here through `ctg validate`'s path: discovery,
reader, then suite. The territory's rule (a commune listed twice in the EPCI composition) is
in test_territory_asset.py.
"""

import pandas as pd
import pytest

from ingest import quality
from ingest.sources.caf_legacy import THEME_LIST
from ingest.validation import validate_file


def rules_broken(path) -> list[tuple[int | None, str]]:
    return [(v.line, v.rule) for v in validate_file(path)]


LEGACY_PAIRS = [(theme, part, whole) for theme in THEME_LIST for part, whole in theme.at_most]


@pytest.mark.parametrize(("theme", "part", "whole"), LEGACY_PAIRS,
                         ids=[f"{t.theme}-{p}" for t, p, _w in LEGACY_PAIRS])
def test_a_legacy_part_above_its_whole_is_rejected(write_file, theme, part, whole):
    variables = theme.required + theme.optional
    header = ["Communes", "Codes_Insee", *variables]
    row = ["Outreau", "62643", *("9" if v == part else "1" if v == whole else "1" for v in variables)]
    path = write_file(f"{theme.stems[0]}2018.csv", ";".join(header) + "\n" + ";".join(row) + "\n")

    assert rules_broken(path) == [(2, f"{part}_inferieur_a_{whole}")]


@pytest.mark.parametrize(("name", "text", "broken"), [
    ("donnees_communes_2016.csv", "DEP;CODCOM;COM;PMUN;PCAP;PTOT\n62;160;62160;100;1;90\n", [(2, "population_totale")]),
    ("donnees_communes_1985.csv", "DEP;CODCOM;COM;PMUN;PCAP;PTOT\n62;160;62160;100;1;101\n", [(2, "annee_plausible")]),
    ("base-cc-evol-struct-pop-2021.CSV", "CODGEO;P21_POP\n62160;40000\nXXXXX;12\n", [(3, "code_commune")]),
    ("base-cc-evol-struct-pop-1985.CSV", "CODGEO;P85_POP\n62160;40000\n", [(2, "annee_plausible")]),
    ("base_naissances_2018.csv", "CODGEO;NAISD18\n62160;410\nXXXXX;3\n", [(3, "code_commune")]),
    ("base_naissances_1985.csv", "CODGEO;NAISD85\n62160;410\n", [(2, "annee_plausible")]),
    ("extrait_partenaire_caf.csv", "code_commune;annee;variable;valeur\n62160;1850;am_actives;10\n", [(2, "annee_plausible")]),
    ("txcouv_pe_com.csv", "numcom;annee;txcouv_com\n62160;1850;45.2\n", [(2, "annee_plausible")]),
    ("s_ben_com_f.csv", "dtreffre;numcomdo;indfoy_ndur;indfoy_rsa\n1950-12;62160;100;10\n", [(2, "annee_plausible")]),
    ("s_ben_com_f.csv", "dtreffre;numcomdo;indfoy_ndur;indfoy_rsa\n2021-12;62160;100;110\n",
     [(2, "indfoy_rsa_au_plus_foyers")]),
])
def test_each_source_rule_can_fail(write_file, name, text, broken):
    assert rules_broken(write_file(name, text)) == broken


def test_each_violation_is_matched_to_its_own_rule_whatever_order_gx_returns():
    # GX groups results by column: the third rule (on code_commune again) comes back second.
    rules = [
        quality.rule("code_commune", "code commune invalide", "ExpectColumnValuesToMatchRegex",
                     column="code_commune", regex=quality.COMMUNE),
        quality.rule("annee_plausible", "année hors de 1990–2100", "ExpectColumnValuesToBeBetween",
                     column="annee", min_value=1990, max_value=2100),
        quality.rule("code_non_vide", "code vide", "ExpectColumnValuesToNotBeNull", column="code_commune"),
    ]
    frame = pd.DataFrame({"code_commune": ["62160", "62643"], "annee": [2018, 1880], "ligne": [2, 3]})
    violations = quality.validate(rules, frame, "f.csv")
    assert [(v.line, v.column, v.rule) for v in violations] == [(3, "annee", "annee_plausible")]


@pytest.mark.parametrize(("name", "text", "broken"), [
    ("base-cc-evol-struct-pop-2016.CSV", "CODGEO;P16_POP;P16_POP0610\n62160;1e20;3000\n", [(2, "comptage_invraisemblable")]),
    ("donnees_communes_2016.csv", "DEP;CODCOM;COM;PMUN;PCAP;PTOT\n62;160;62160;4000000;1;4000001\n",
     [(2, "comptage_invraisemblable"), (2, "comptage_invraisemblable")]),
    ("NIVCOMTOTAL2018.csv", "Communes;Codes_Insee;NB_Pers_par_Foyer_Alloc;NB_Enfants\nB;62160;100000000000000000000;1\n",
     [(2, "comptage_invraisemblable")]),
    ("NIVCOMTOTAL2018.csv", "Communes;Codes_Insee;NB_Pers_par_Foyer_Alloc;NB_Enfants\nB;62160;5000000;1\n",
     [(2, "comptage_invraisemblable")]),
])
def test_an_implausible_count_is_rejected_with_its_rule(write_file, name, text, broken):
    assert rules_broken(write_file(name, text)) == broken


def test_an_unexpected_reader_error_is_one_french_line_not_a_traceback(write_file, monkeypatch):
    from ingest.sources import insee_births

    def broken_reader(_path):
        raise ValueError("cas imprévu")

    monkeypatch.setattr(insee_births, "read_births", broken_reader)
    [violation] = validate_file(write_file("base_naissances_2018.csv", "CODGEO;NAISD18\n62160;410\n"))
    assert violation.rule == "lecture_impossible"
    assert "erreur inattendue en lisant le fichier (ValueError : cas imprévu)" in str(violation)


def test_a_census_age_group_above_its_population_is_rejected(write_file):
    path = write_file("base-cc-evol-struct-pop-2016.CSV", "CODGEO;P16_POP;P16_POP0610\n62160;40000;3000\n62643;1000;2000\n")
    assert rules_broken(path) == [(3, "partie_inferieure_au_total")]


# The SQL pre-check (quality.passes_in_sql) lets a clean frame skip GX: it must engage on the
# sources' own rules, and never pass a frame that GX would reject.
PRECHECKED_RULES = [
    quality.rule("annee_plausible", "année", "ExpectColumnValuesToBeBetween", column="annee", min_value=1990,
                 max_value=2100),
    quality.rule("code_commune", "code", "ExpectColumnValuesToMatchRegex", column="code_commune", regex=quality.COMMUNE),
    quality.rule("cle_unique", "double", "ExpectColumnValuesToBeUnique", column="code_commune"),
    quality.at_most("part", "tout", "part_inferieure", "part au-dessus du tout"),
    *quality.plausible_counts(["tout"]),
]


def clean_frame() -> pd.DataFrame:
    return pd.DataFrame({
        "annee": pd.array([2018, 2018, 2018], dtype="Int32"),
        "code_commune": ["62160", "2A004", "62643"],
        "part": pd.array([1, None, 3], dtype="Int64"),
        "tout": pd.array([5, 7, 3], dtype="Int64"),
        "ligne": [2, 3, 4],
    })


def test_a_clean_frame_passes_the_sql_precheck_and_gx_alike():
    frame = clean_frame()
    assert quality.passes_in_sql(PRECHECKED_RULES, frame)
    assert quality.validate(PRECHECKED_RULES, frame, "f.csv") == []


@pytest.mark.parametrize(("column", "value", "rule_name"), [
    ("annee", 1850, "annee_plausible"),
    ("code_commune", "6216", "code_commune"),
    ("code_commune", "62643", "cle_unique"),
    ("part", 9, "part_inferieure"),
    ("tout", 4_000_000, "comptage_invraisemblable"),
])
def test_a_frame_the_sql_precheck_flags_goes_to_gx_which_names_the_line(column, value, rule_name):
    frame = clean_frame()
    frame.loc[0, column] = value
    assert not quality.passes_in_sql(PRECHECKED_RULES, frame)
    assert (2, rule_name) in [(v.line, v.rule) for v in quality.validate(PRECHECKED_RULES, frame, "f.csv")]


def test_a_pair_with_one_side_missing_is_left_to_gx_unless_the_rule_skips_it():
    # Without ignore_row_if, GX rejects a row where only one side is known (population_totale).
    strict = quality.rule("tout_sup_part", "tout", "ExpectColumnPairValuesAToBeGreaterThanB", column_A="tout",
                          column_B="part", or_equal=True)
    frame = clean_frame()
    assert quality.passes_in_sql([PRECHECKED_RULES[3]], frame)
    assert not quality.passes_in_sql([strict], frame)
    assert [v.rule for v in quality.validate([strict], frame, "f.csv")] == ["tout_sup_part"]


def test_a_rule_on_some_rows_is_checked_on_those_rows_only():
    # The inventory's rules: places required for an EAJE, not for a RPE (a row condition).
    places = quality.rule("places_agrement", "places absentes", "ExpectColumnValuesToNotBeNull", column="part",
                          row_condition=quality.where("code_commune", "62160", "62643"))
    frame = clean_frame()  # 2A004 has no `part`: not among the rows the rule reads
    assert quality.passes_in_sql([places], frame)
    frame.loc[2, "part"] = None  # 62643 now lacks it
    assert not quality.passes_in_sql([places], frame)
    assert [(v.line, v.rule) for v in quality.validate([places], frame, "f.csv")] == [(4, "places_agrement")]
