import pandas as pd

from ingest import quality
from ingest.sources.caf_legacy import THEMES


SUITE = THEMES["nivcomtotal"].suite(["nb_enfants"])


def caf_frame(codes, values):
    return pd.DataFrame(
        {
            "annee": 2018,
            "code_commune": codes,
            "libelle_commune": "x",
            "est_special": False,
            "ligne": range(2, len(codes) + 2),
            "nb_enfants": pd.array(values, dtype="Int64"),
        }
    )


def test_clean_frame_passes():
    assert quality.validate(SUITE, caf_frame(["62160", "XXXXX"], [10, None]), "f.csv") == []


def test_negative_count_is_reported_with_its_line():
    violations = quality.validate(SUITE, caf_frame(["62160", "62643", "62667"], [10, -3, 4]), "NIVCOMTOTAL2018.csv")
    assert [(v.file, v.line, v.column, v.rule) for v in violations] == [
        ("NIVCOMTOTAL2018.csv", 3, "nb_enfants", "comptage_positif")
    ]
    assert "« -3 »" in violations[0].message


def test_population_suite_rejects_total_below_municipal():
    frame = pd.DataFrame(
        {"annee": 2016, "code_commune": ["62160"], "libelle_commune": "B", "pmun": [100], "pcap": [1], "ptot": [90], "ligne": [2]}
    )
    violations = quality.validate("insee_populations_legales", frame, "donnees_communes.csv")
    assert [v.rule for v in violations] == ["population_totale"]


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
