"""End-to-end: `ctg refresh` on real-format extracts, as a user runs it."""

import csv
import hashlib
import re
import shutil

import duckdb
import pytest

from orchestration.cli import main
from orchestration.settings import SAMPLE_DIR, Settings

EPCI = "246200729"

# Annexe 1 of the convention (shared/seed), as printed: (indicator, year, value, 5-year
# variation); values are compared at the printed precision (decimals of the printed value).
EPCI_PRINTED = [
    ("population_municipale", 2016, "114762", "-2.5"),
    ("nb_allocataires", 2018, "25829", "4.5"),
    ("nb_personnes_couvertes", 2018, "61029", "-2.4"),
    ("taux_couverture_caf", 2018, "53.2", None),
    ("nb_allocataires_msa", 2018, "477", "6.5"),
    ("nb_personnes_couvertes_msa", 2018, "1137", "-5.6"),
    ("indice_jeunesse", 2016, "1.00", None),
    ("nb_familles", 2018, None, "-5.7"),
    ("part_familles", 2018, "48.7", None),
    ("part_couples_avec_enfants", 2018, "31.6", None),
    ("part_familles_monoparentales", 2018, "17.1", None),
    ("nb_familles_monoparentales", 2018, None, "-2.7"),
    ("part_familles_1_enfant", 2018, "33.6", None),
    ("part_familles_2_enfants", 2018, "42.3", None),
    ("part_familles_nombreuses", 2018, "24.0", None),
    ("part_allocataires_sans_enfant", 2018, "51.3", None),
    ("part_couples_sans_enfant", 2018, "7.3", None),
    ("part_allocataires_isoles", 2018, "44.0", None),
    ("nb_beneficiaires_rsa", 2018, "5233", "-26.9"),
    ("part_rsa", 2018, "20.3", None),
    ("nb_beneficiaires_aah", 2018, "2236", "10.8"),
    ("part_aah", 2018, "8.7", None),
    ("part_bas_revenus", 2018, "46.2", None),
    ("part_allocataires_fragiles", 2018, "18.8", None),
    ("part_dependance_50", 2018, "13.6", None),
    ("part_dependance_100", 2018, "19.8", None),
    ("part_familles_afi", 2018, "8.5", None),
    ("nb_naissances", 2018, "1168", "-17.0"),
    ("nb_enfants_caf", 2018, "25098", "-7.8"),
    ("nb_enfants_caf_moins_3", 2018, "3435", "-15.3"),
    ("part_enfants_moins_3", 2018, "13.7", None),
    ("nb_enfants_caf_3_5", 2018, "3588", "-11.5"),
    ("part_enfants_3_5", 2018, "14.3", None),
    ("part_enfants_moins_3_parents_actifs", 2018, "39.4", None),
    ("nb_enfants_moins_3_cmg", 2018, "651", "-3.4"),
    ("part_enfants_moins_3_cmg", 2018, "19.0", None),
    ("capacite_theorique_accueil", 2018, "48.9", None),
    ("nb_am_actives", 2019, "301", None),
    ("part_am_55_plus", 2019, "36.9", None),
    ("am_pour_100_enfants_moins_3", 2019, "9", None),  # children under 3 of 2018: the latest before 2019
    ("population_6_17", 2015, "18478", "-4.2"),
    ("part_population_6_17", 2015, "15.9", None),
    ("nb_enfants_caf_6_11", 2017, "8072", None),
    ("nb_enfants_caf_12_17", 2017, "7749", None),
    ("nb_enfants_caf_18_19", 2017, "1925", None),
    ("part_enfants_caf_6_11", 2017, "31.5", None),
    ("part_enfants_caf_12_17", 2017, "30.2", None),
    ("part_enfants_caf_18_19", 2017, "7.5", None),
    ("nb_enfants_aeeh", 2018, "707", "44.3"),
    ("part_enfants_aeeh", 2018, "2.8", None),
]
DEPARTEMENT_PRINTED = [
    ("population_municipale", 2016, "1470725", "0.5"),
    ("nb_allocataires", 2018, "300038", "8.3"),
    ("nb_personnes_couvertes", 2018, "777984", "1.3"),
    ("taux_couverture_caf", 2018, "52.9", None),
    ("nb_allocataires_msa", 2018, "9029", "13.4"),
    ("nb_personnes_couvertes_msa", 2018, "25863", "6.7"),
    ("indice_jeunesse", 2016, "1.10", None),
    ("nb_familles", 2018, None, "-2.0"),
    ("part_familles", 2018, "55.4", None),
    ("part_couples_avec_enfants", 2018, "39.6", None),
    ("part_familles_monoparentales", 2018, "15.8", None),
    ("nb_familles_monoparentales", 2018, None, "4.9"),
    ("part_familles_1_enfant", 2018, "30.9", None),
    ("part_familles_2_enfants", 2018, "44.5", None),
    ("part_familles_nombreuses", 2018, "24.6", None),
    ("part_allocataires_sans_enfant", 2018, "44.6", None),
    ("part_couples_sans_enfant", 2018, "7.1", None),
    ("part_allocataires_isoles", 2018, "37.6", None),
    ("nb_beneficiaires_rsa", 2018, "54946", "-24.4"),
    ("part_rsa", 2018, "18.3", None),
    ("nb_beneficiaires_aah", 2018, "27318", "10.7"),
    ("part_aah", 2018, "9.1", None),
    ("part_bas_revenus", 2018, "41.9", None),
    ("part_allocataires_fragiles", 2018, "18.0", None),
    ("part_dependance_50", 2018, "11.7", None),
    ("part_dependance_100", 2018, "18.0", None),
    ("part_familles_afi", 2018, "7.4", None),
    ("nb_naissances", 2018, "15600", "-18.1"),
    ("nb_enfants_caf", 2018, "337886", "-3.1"),
    ("nb_enfants_caf_moins_3", 2018, "46811", "-15.5"),
    ("part_enfants_moins_3", 2018, "13.9", None),
    ("nb_enfants_caf_3_5", 2018, "50418", "-6.3"),
    ("part_enfants_3_5", 2018, "14.9", None),
    ("part_enfants_moins_3_parents_actifs", 2018, "46.7", None),
    ("nb_enfants_moins_3_cmg", 2018, "13791", "-0.5"),
    ("part_enfants_moins_3_cmg", 2018, "29.5", None),
    ("capacite_theorique_accueil", 2018, "53.7", None),
    ("population_6_17", 2015, "238715", "2.0"),
    ("part_population_6_17", 2015, "16.2", None),
]
CONTRACT_COLUMNS = [
    ("indicateur_code", "VARCHAR"),
    ("territoire_niveau", "VARCHAR"),
    ("territoire_code", "VARCHAR"),
    ("territoire_libelle", "VARCHAR"),
    ("annee", "INTEGER"),
    ("valeur", "DOUBLE"),
    ("numerateur", "DOUBLE"),
    ("denominateur", "DOUBLE"),
    ("variation_5ans_pct", "DOUBLE"),
    ("variation_3ans_pct", "DOUBLE"),
    ("variation_1an_nb", "DOUBLE"),
    ("est_approximatif", "BOOLEAN"),
    ("source", "VARCHAR"),
]


def sha256(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def published(warehouse, sql, params=()):
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(sql, list(params)).fetchall()


def figure(warehouse, level, code, indicator, year):
    rows = published(
        warehouse,
        "select valeur, variation_5ans_pct from marts.indicateurs "
        "where territoire_niveau = ? and territoire_code = ? and indicateur_code = ? and annee = ?",
        (level, code, indicator, year),
    )
    assert len(rows) == 1, f"{indicator} {level} {year}: {rows}"
    return rows[0]


def as_printed(value: float, printed: str) -> str:
    decimals = len(printed.split(".")[1]) if "." in printed else 0
    return f"{value:.{decimals}f}"


@pytest.mark.parametrize("indicator, year, printed, printed_variation", EPCI_PRINTED)
def test_epci_reproduces_the_convention(refreshed, indicator, year, printed, printed_variation):
    value, variation = figure(refreshed[1], "epci", EPCI, indicator, year)
    if printed is not None:
        assert as_printed(value, printed) == printed
    if printed_variation is not None:
        assert as_printed(variation, printed_variation) == printed_variation


@pytest.mark.parametrize("indicator, year, printed, printed_variation", DEPARTEMENT_PRINTED)
def test_departement_reproduces_the_convention(refreshed, indicator, year, printed, printed_variation):
    value, variation = figure(refreshed[1], "departement", "62", indicator, year)
    if printed is not None:
        assert as_printed(value, printed) == printed
    if printed_variation is not None:
        assert as_printed(variation, printed_variation) == printed_variation


def test_coverage_rate_divides_by_the_2016_population_and_says_so(refreshed):
    [(numerator, denominator, source)] = published(
        refreshed[1],
        "select numerateur, denominateur, source from marts.indicateurs "
        "where indicateur_code = 'taux_couverture_caf' and territoire_niveau = 'epci' and annee = 2018",
    )
    assert (numerator, denominator) == (61029, 114762)
    assert "INSEE populations légales 2016" in source and "NIVCOMTOTAL2018.csv" in source


def test_published_mart_has_the_contract_columns(refreshed):
    columns = published(
        refreshed[1],
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = 'indicateurs' order by ordinal_position",
    )
    assert columns == CONTRACT_COLUMNS
    schemas = {r[0] for r in published(refreshed[1], "select distinct table_schema from information_schema.tables")}
    assert schemas == {"marts"}
    tables = {r[0] for r in published(refreshed[1], "select table_name from information_schema.tables")}
    assert tables == {"indicateurs", "indicateurs_catalogue", "diagnostic_territoire", "structures", "offre_structures",
                      "focus_petite_enfance", "communes_non_dotees", "financements_caf", "permis_louer_communes",
                      "permis_louer_anomalies", "evaluation", "evaluation_axes", "territoires"}


AXE_10 = {"nb_dossiers_deposes", "nb_logements_visites", "nb_autorisations", "nb_refus", "nb_rejets", "nb_accords_tacites",
          "taux_accord_tacite", "nb_mises_en_conformite_apres_refus", "delai_instruction_median_jours", "nb_logements_loues",
          "nb_logements_al_avec_autorisation", "nb_logements_al_sans_demande"}


def test_every_commune_the_epci_and_the_departement_each_year(refreshed):
    rows = published(
        refreshed[1],
        "select indicateur_code, annee, territoire_niveau, count(*) from marts.indicateurs "
        "group by all order by all",
    )
    counts = {(indicator, year, level): n for indicator, year, level, n in rows}
    # The offer's figures cover the territory's inventory: not the antenne, which reaches beyond it.
    offer = {code for (code,) in published(refreshed[1], "select distinct indicateur_code from marts.indicateurs "
                                                         "where source like '%inventaire%' or source like 'financements%'")}
    for (indicator, year, level), n in counts.items():
        if indicator == "capacite_theorique_accueil" and level == "commune":
            continue  # ONAPE publishes communes of over 10,000 inhabitants only
        if indicator in AXE_10 and level == "commune":
            continue  # the communes where the permis de louer applies only (test_permis_louer.py)
        groups = 2 if indicator in offer else 3  # SIVU, north-east group, CAF antenne
        assert n == {"commune": 22, "epci": 1, "departement": 1, "groupement": groups}[level], (indicator, year, level)
    catalogue = {r[0] for r in published(refreshed[1], "select indicateur_code from marts.indicateurs_catalogue")}
    assert {indicator for indicator, _, _ in counts} <= catalogue
    assert published(refreshed[1], "select count(*) from marts.indicateurs where territoire_code in ('XXXXX', '99999', '')") == [(0,)]


def test_masked_cells_make_figures_approximate_not_zero(refreshed):
    # Conteville-lès-Boulogne has masked single-parent counts in 2018 (blank in the file).
    [(value, approximate)] = published(
        refreshed[1],
        "select valeur, est_approximatif from marts.indicateurs where indicateur_code = 'nb_familles_monoparentales' "
        "and territoire_code = '62237' and annee = 2018",
    )
    assert approximate is True and value > 0
    [(epci_approximate,)] = published(
        refreshed[1],
        "select est_approximatif from marts.indicateurs where indicateur_code = 'nb_familles_monoparentales' "
        "and territoire_niveau = 'epci' and annee = 2018",
    )
    assert epci_approximate is True


def test_bad_file_is_rejected_and_published_file_is_untouched(refreshed, capsys):
    landing, warehouse = refreshed
    before = sha256(warehouse)
    bad = landing / "caf" / "NIVCOMTOTAL2018.csv"
    lines = bad.read_bytes().decode("utf-8-sig").split("\r\n")
    fields = lines[4].split(";")
    fields[3] = "n/a"  # NB_Enfants of the 4th commune (line 5 of the file)
    lines[4] = ";".join(fields)
    bad.write_bytes("\r\n".join(lines).encode("utf-8-sig"))

    code = main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)])

    assert code == 1
    error = capsys.readouterr().err
    assert "fichier caf/NIVCOMTOTAL2018.csv, ligne 5, colonne NB_Enfants" in error  # path in the landing
    assert "[règle comptage_entier]" in error
    assert sha256(warehouse) == before
    # The file left the landing folder for quarantine, with its report.
    assert not bad.exists()
    reports = list((landing.parent / "quarantine").rglob("NIVCOMTOTAL2018.csv.rapport.txt"))
    assert len(reports) == 1
    assert "ligne 5, colonne NB_Enfants" in reports[0].read_text(encoding="utf-8")


def test_empty_landing_is_an_error_not_the_sample(tmp_path, isolated_env, capsys):
    landing = tmp_path / "landing"
    landing.mkdir()
    warehouse = tmp_path / "ctg.duckdb"
    assert main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)]) == 2
    assert "--sample" in capsys.readouterr().err
    assert not warehouse.exists()


def test_landing_with_no_recognised_extract_keeps_the_published_warehouse(tmp_path, isolated_env, capsys):
    from orchestration.publish.warehouse import publish

    warehouse = tmp_path / "ctg.duckdb"
    good_build = tmp_path / "good.duckdb"
    with duckdb.connect(str(good_build)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.indicateurs as select 'nb_allocataires' as indicateur_code, 2018 as annee, 25829.0 as valeur")
    publish(good_build, warehouse, tmp_path / "parquet")
    before = sha256(warehouse)
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "tableau_de_bord.csv").write_text("colonne;autre\n1;2\n", encoding="utf-8")

    assert main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)]) == 1

    assert "aucun indicateur calculé" in capsys.readouterr().err
    assert sha256(warehouse) == before


def test_failing_dbt_test_blocks_publication(refreshed, capsys):
    landing, warehouse = refreshed  # a failed refresh leaves the published warehouse as it was
    before = sha256(warehouse)
    # A file that passes its contract but makes a share exceed 100 %: Boulogne-sur-Mer with
    # 1 allocataire. Only the warehouse-wide dbt tests can see it.
    config = landing / "caf" / "ConfigFamiliale2018.csv"
    text = config.read_bytes().decode("utf-8-sig")
    start = text.index(";62160;") + len(";62160;")
    end = text.index(";", start)
    config.write_bytes((text[:start] + "1" + text[end:]).encode("utf-8-sig"))

    assert main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)]) == 1

    error = capsys.readouterr().err
    assert "between_indicateurs_valeur__100" in error
    assert "territoire_code=62160" in error  # the failing rows themselves, not just their count
    assert sha256(warehouse) == before


def test_legacy_files_win_over_the_portal_for_the_same_year(refreshed):
    # Legacy count kept for 2018 despite the portal export of December 2018 ...
    [(value, approximate, source)] = published(
        refreshed[1],
        "select valeur, est_approximatif, source from marts.indicateurs "
        "where indicateur_code = 'nb_allocataires' and territoire_niveau = 'epci' and annee = 2018",
    )
    assert (value, approximate) == (25829, False) and "ConfigFamiliale2018.csv" in source
    # ... and the partner extract's exact PPA count (CAF's own files) over the portal's rounded
    # one; the portal gives the years no exact source has, flagged as rounded.
    ppa = dict(((year, approximate), source) for year, approximate, source in published(
        refreshed[1],
        "select annee, est_approximatif, source from marts.indicateurs "
        "where indicateur_code = 'nb_beneficiaires_ppa' and territoire_niveau = 'epci' and annee in (2018, 2021)",
    ))
    assert "extrait_partenaire_caf.csv" in ppa[(2018, False)] and "s_ben_com_f.csv" in ppa[(2021, True)]


def test_an_indicator_is_not_produced_for_a_year_its_variables_are_absent(refreshed):
    # The partner extract has am_actives for 2015, 2016, 2018, 2019 and 2021-2023 only; the 2010 census edition has
    # no POP0019: no row rather than NULL figures flagged as approximate.
    assert published(
        refreshed[1],
        # Axe 10's commune counts from 1 to 4 are masked on purpose (personal data).
        # (a group of three small communes may have masked inputs only, like a single commune)
        "select indicateur_code, annee, territoire_niveau from marts.indicateurs where source not like 'permis de louer%' "
        "and territoire_niveau <> 'groupement' group by all having count(valeur) = 0",
    ) == []
    years = published(
        refreshed[1],
        "select distinct indicateur_code, annee from marts.indicateurs "
        "where indicateur_code in ('nb_am_actives', 'indice_jeunesse') order by 1, 2",
    )
    assert years == [("indice_jeunesse", 2015), ("indice_jeunesse", 2016),
                     *[("nb_am_actives", year) for year in (2015, 2016, 2018, 2019, 2021, 2022, 2023)]]


def test_no_variation_across_the_legacy_files_and_the_portal(refreshed):
    # 2022 comes from the portal (rounded, another scope), 2017 from ConfigFamiliale2017.
    [(value, variation, source)] = published(
        refreshed[1],
        "select valeur, variation_5ans_pct, source from marts.indicateurs "
        "where indicateur_code = 'nb_allocataires' and territoire_niveau = 'epci' and annee = 2022",
    )
    assert "s_ben_com_f" in source and value > 0 and variation is None
    assert figure(refreshed[1], "epci", EPCI, "nb_allocataires", 2017)[0] == 25829  # the 2017 file was loaded


def test_diagnostic_mart_has_one_row_per_indicator_with_both_territories(refreshed):
    rows = published(
        refreshed[1],
        "select indicateur_code, annee_reference, valeur_epci, valeur_departement from marts.diagnostic_territoire "
        "where indicateur_code in ('capacite_theorique_accueil', 'population_municipale') order by 1",
    )
    assert rows == [("capacite_theorique_accueil", 2018, 48.9, 53.7), ("population_municipale", 2016, 114762.0, 1470725.0)]
    # The sample feeds every indicator of the catalogue, but for the commune-only extremes of
    # opening days (they do not sum to the EPCI); the département is always named.
    [(indicators, catalogue, departements)] = published(
        refreshed[1],
        "select count(*), (select count(*) from marts.indicateurs_catalogue "
        "where indicateur_code not in ('jours_ouverture_min', 'jours_ouverture_max')), "
        "list(distinct departement_code || ' ' || departement_libelle) from marts.diagnostic_territoire",
    )
    assert indicators == catalogue and departements == ["62 Pas-de-Calais"]


def test_landing_with_some_sources_refreshes_what_they_feed(tmp_path, isolated_env, capfd):
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_DIR / "insee" / "populations_legales", landing / "populations_legales")
    (landing / "export_commune.csv").write_text("colonne;autre\n1;2\n", encoding="utf-8")  # nobody reads it
    # A partner extract of the territory's communes only: no département figure can come of it.
    with (SAMPLE_DIR.parents[1] / "ingest" / "reference" / f"territoire_{EPCI}.csv").open(encoding="utf-8") as handle:
        territory = {row["code_commune"] for row in csv.DictReader(handle)}
    partner = (SAMPLE_DIR / "caf" / "partenaire" / "extrait_partenaire_caf.csv").read_text(encoding="utf-8").splitlines()
    (landing / "extrait_partenaire_caf.csv").write_text(
        "\n".join([partner[0], *(line for line in partner[1:] if line.split(";")[0] in territory)]) + "\n",
        encoding="utf-8",
    )
    # An AEEH file where every commune is masked (counts under 5): present, not absent.
    aeeh = (SAMPLE_DIR / "caf" / "enfantAEEH2013.csv").read_text(encoding="cp1252").splitlines()
    masked = [";".join(line.split(";")[:2] + [" "] * (len(line.split(";")) - 2)) for line in aeeh[1:]]
    (landing / "enfantAEEH2013.csv").write_text("\n".join([aeeh[0], *masked]) + "\n", encoding="cp1252")
    warehouse = tmp_path / "ctg.duckdb"
    # ... and every commune of département 62.
    assert main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse), "--all-departement-communes"]) == 0
    levels = published(
        warehouse,
        "select distinct territoire_niveau from marts.indicateurs where indicateur_code = 'nb_allocataires_msa' order by 1",
    )
    assert levels == [("commune",), ("epci",), ("groupement",)]
    [(value, approximate)] = published(
        warehouse,
        "select valeur, est_approximatif from marts.indicateurs where indicateur_code = 'nb_enfants_aeeh' "
        "and territoire_niveau = 'epci' and annee = 2013",
    )
    assert value is None and approximate is True
    communes = published(warehouse, "select count(distinct territoire_code) from marts.indicateurs where territoire_niveau = 'commune'")
    assert communes == [(92,)]
    progress = capfd.readouterr().out
    assert "sources sans fichier dans le dossier d'arrivée : " in progress
    assert "CAF portail open data" in progress.split("sources sans fichier")[1].splitlines()[0]
    assert "fichiers non reconnus, ignorés (1) : export_commune.csv" in progress


def test_several_territories_in_one_refresh_and_another_epci_as_the_convention(tmp_path, isolated_env, capfd):
    """`--territory 200000001,all-in-departement`: the CC (first, so the convention's) and every
    other EPCI of the Pas-de-Calais in the composition file (the CAB), not the Nord's. Then
    one extract changes: the next refresh recomputes only what depends on it."""
    from openpyxl import Workbook

    from orchestration.settings import PROJECT_ROOT

    # What the assertions read, to keep the two refreshes short: the CAF family configuration
    # files (allocataires), the inventory (the report's list of communes) and the follow-up file.
    landing = tmp_path / "landing"
    (landing / "caf").mkdir(parents=True)
    for legacy in (SAMPLE_DIR / "caf").glob("*.csv"):
        if legacy.name.lower().startswith("configfamiliale"):
            shutil.copy(legacy, landing / "caf")
    for folder in ("structures", "suivi"):
        shutil.copytree(SAMPLE_DIR / folder, landing / folder)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Composition_communale"
    for title in ["Composition communale des EPCI au 1er janvier 2024", "", "", "", ""]:
        sheet.append([title])
    sheet.append(["CODGEO", "LIBGEO", "EPCI", "LIBEPCI", "DEP", "REG"])
    members = ["62910", "62911", "62912"]
    for code in members:
        sheet.append([code, f"Commune synthétique {code}", "200000001", "CC de test", "62", "32"])
    with (PROJECT_ROOT / "ingest" / "reference" / "territoire_246200729.csv").open(encoding="utf-8") as handle:
        cab = [row["code_commune"] for row in csv.DictReader(handle)]
    for code in cab:
        sheet.append([code, f"Commune {code}", "246200729", "CA du Boulonnais", "62", "32"])
    sheet.append(["59350", "Lille", "200093201", "Métropole Européenne de Lille", "59", "32"])
    workbook.save(landing / "Intercommunalite_Metropole_au_01-01-2024.xlsx")
    warehouse = tmp_path / "ctg.duckdb"

    assert main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse),
                 "--territory", "200000001,all-in-departement"]) == 0

    communes = published(warehouse, "select distinct territoire_code from marts.indicateurs where territoire_niveau = 'commune'")
    assert sorted(c for (c,) in communes) == sorted(members + cab)
    epcis = published(warehouse, "select territoire_code, territoire_libelle, valeur from marts.indicateurs "
                                 "where territoire_niveau = 'epci' and indicateur_code = 'nb_allocataires' and annee = 2018 "
                                 "order by 1")
    [(commune_sum,)] = published(
        warehouse,
        "select sum(valeur) from marts.indicateurs where territoire_niveau = 'commune' "
        "and territoire_code in (?, ?, ?) and indicateur_code = 'nb_allocataires' and annee = 2018", members,
    )
    # Each EPCI its own communes: the CAB's figure is the one of the CAB alone (Annexe 1).
    assert epcis == [("200000001", "CC de test", commune_sum), ("246200729", "CA du Boulonnais", 25829)]
    # The département, shared by both, once, and independent of the territories.
    assert figure(warehouse, "departement", "62", "nb_allocataires", 2018)[0] == 300038
    diagnostic = published(warehouse, "select epci_code, bool_and(est_territoire_principal), count(*) "
                                      "from marts.diagnostic_territoire group by 1 order by 1")
    assert [(code, principal) for code, principal, _ in diagnostic] == [("200000001", True), ("246200729", False)]
    # The report is the convention's: the CC's, its communes only.
    html = (tmp_path / "rapport" / "rapport_ctg.html").read_text(encoding="utf-8")
    assert "CC de test" in html and "Commune synthétique 62910" in html
    assert "Commune 62160" not in html  # Boulogne-sur-Mer, a CAB commune, by its name in the composition file

    # The follow-up file changes (one figure of 2021): only the evaluation is recomputed.
    follow_up = landing / "suivi" / "suivi_plan_action.csv"
    follow_up.write_text(follow_up.read_text(encoding="utf-8").replace(
        "1;OG5;a1_projets_mutualises;2021;0;", "1;OG5;a1_projets_mutualises;2021;3;"), encoding="utf-8")
    capfd.readouterr()
    assert main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse),
                 "--territory", "200000001,all-in-departement"]) == 0
    progress = capfd.readouterr().out
    [line] = [line for line in progress.splitlines() if "rafraîchissement incrémental" in line]
    assert "(tables modifiées : raw.suivi_plan_action)" in line
    recomputed, total = map(int, re.search(r"(\d+) modèle\(s\) dbt sur (\d+)", line).groups())
    assert 0 < recomputed <= 6 < total
    [(value,)] = published(warehouse, "select valeur from marts.evaluation "
                                      "where indicateur_code = 'a1_projets_mutualises' and annee = 2021")
    assert value == 3
    assert epcis == published(warehouse, "select territoire_code, territoire_libelle, valeur from marts.indicateurs "
                                         "where territoire_niveau = 'epci' and indicateur_code = 'nb_allocataires' "
                                         "and annee = 2018 order by 1")


def test_a_refresh_after_some_years_changed_publishes_what_a_full_one_does(tmp_path, isolated_env, capfd):
    """The year-incremental models (orchestration.incremental): a corrected NIVCOMTOTAL 2013 and
    2016 populations recompute 2013 and the later years only, then a corrected 2018 file 2018
    on, of the indicators its variables feed only (without a commune, then with a corrected
    figure: its columns of the commune variables updated in place); what is published is exactly what a full
    refresh of the same files publishes (the variations of later years included)."""
    landing = tmp_path / "landing"
    for folder in ("caf", "insee", "structures"):  # the structures' offer: indicators since 1998
        shutil.copytree(SAMPLE_DIR / folder, landing / folder)
    warehouse = tmp_path / "incremental" / "ctg.duckdb"
    assert main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)]) == 0
    before = published(warehouse, "select annee, valeur from marts.indicateurs where territoire_code = '62075' "
                                  "and indicateur_code = 'nb_personnes_couvertes' order by 1")
    marts_file = Settings(landing_dir=landing, warehouse=warehouse, territory_epci=EPCI).marts_db
    written_whole = marts_file.stat().st_ino

    nivcom = landing / "caf" / "NIVCOMTOTAL2013.csv"
    nivcom.write_bytes(nivcom.read_bytes().replace(b"Baincthun;62075;679;306", b"Baincthun;62075;700;306"))
    populations = landing / "insee" / "populations_legales" / "2016" / "donnees_communes.csv"
    populations.write_bytes(populations.read_bytes().replace(b";62075;Baincthun;1382;18;1400", b";62075;Baincthun;1390;18;1408"))
    capfd.readouterr()
    assert main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)]) == 0
    progress = capfd.readouterr().out
    [line] = [line for line in progress.splitlines() if "rafraîchissement incrémental" in line]
    assert "années 2013 et suivantes" in line
    assert marts_file.stat().st_ino == written_whole  # the marts of the last refresh, updated in place
    # The staging views of the changed tables are those of the last refresh; their tests run.
    assert "stg_caf__nivcomtotal construit" not in progress and "int_communes__variables construit" in progress
    dbt_log = max((warehouse.parent / "logs").glob("refresh-*.log")).read_text(encoding="utf-8")
    assert "PASS between_stg_caf__nivcomtotal_nb_personnes_couvertes" in dbt_log
    after = published(warehouse, "select annee, valeur from marts.indicateurs where territoire_code = '62075' "
                                 "and indicateur_code = 'nb_personnes_couvertes' order by 1")
    assert (2013, 679) in before and (2013, 700) in after

    # Then the latest legacy year of one theme, without a commune: only the indicators of its
    # variables, and since nivcom's communes changed, 2018 on deleted and appended whole.
    nivcom = landing / "caf" / "NIVCOMTOTAL2018.csv"
    lines = nivcom.read_text(encoding="utf-8").splitlines(keepends=True)
    nivcom.write_text("".join(line for line in lines if ";62910;" not in line), encoding="utf-8")
    assert main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)]) == 0
    assert "années 2018 et suivantes, indicateurs des variables nivcom" in capfd.readouterr().out
    target = Settings(landing_dir=landing, warehouse=warehouse, territory_epci=EPCI).dbt_target_dir
    variables = target / "compiled" / "ctg" / "models" / "intermediate" / "int_communes__variables.sql"
    assert "where false" not in variables.read_text(encoding="utf-8")

    # Then a corrected figure of the same file: the same communes, so nivcom's columns of the
    # commune variables are updated in place (no row added), and the same indicators recomputed.
    nivcom.write_bytes(nivcom.read_bytes().replace(b"Baincthun;62075;657;324", b"Baincthun;62075;660;324"))
    assert main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)]) == 0
    progress = capfd.readouterr().out
    assert "années 2018 et suivantes, indicateurs des variables nivcom" in progress
    # Only the ingest step of the source with a new file runs, with the territory and every
    # source's freshness check; the others would find each of their files loaded already.
    assert "▶ CAF fichiers communaux historiques" in progress and "▶ territoire" in progress
    assert "▶ fraîcheur des sources" in progress and "▶ INSEE populations légales" not in progress
    assert "where false" in variables.read_text(encoding="utf-8")
    compiled = (target / "compiled" / "ctg" / "models" / "marts" / "indicateurs.sql").read_text(encoding="utf-8")
    assert "where annee >= 2013" in compiled and "where annee >= 2018" in compiled  # 5 years before, and 2018 on
    # The mart's filter, and the same on the commune and offer rows its inlined sums read.
    assert compiled.count("annee >= 2013 and indicateur_code in ('nb_personnes_couvertes', 'taux_couverture_caf', "
                          "'nb_enfants_caf', 'part_enfants_aeeh')") == 3

    full = tmp_path / "full" / "ctg.duckdb"
    assert main(["refresh", "--landing", str(landing), "--warehouse", str(full)]) == 0
    with duckdb.connect() as con:
        con.execute("attach ? as incremental (read_only)", [str(warehouse)])
        con.execute("attach ? as full_refresh (read_only)", [str(full)])
        tables = [name for (name,) in con.execute("select table_name from duckdb_tables() where database_name = "
                                                  "'full_refresh' and schema_name = 'marts' order by 1").fetchall()]
        assert "indicateurs" in tables
        for table in tables:
            for one, other in [("incremental", "full_refresh"), ("full_refresh", "incremental")]:
                [(extra,)] = con.execute(f"select count(*) from (select * from {one}.marts.{table} "
                                         f"except all select * from {other}.marts.{table})").fetchall()
                assert extra == 0, f"marts.{table}: {extra} ligne(s) de {one} absentes de {other}"


def test_a_refresh_already_running_is_refused_in_french(tmp_path, isolated_env, capsys):
    import fcntl

    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_DIR / "insee" / "populations_legales", landing)
    with (tmp_path / ".refresh.lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another refresh of this warehouse folder
        assert main(["refresh", "--landing", str(landing), "--warehouse", str(tmp_path / "ctg.duckdb")]) == 3
    assert "déjà en cours" in capsys.readouterr().err


@pytest.mark.parametrize(("broken", "said"), [
    ("disk_usage", "espace disque insuffisant"),
    ("NamedTemporaryFile", "n'est pas accessible en écriture (Read-only file system)"),
])
def test_a_full_or_read_only_warehouse_folder_is_said_before_anything_runs(tmp_path, isolated_env, capsys, monkeypatch,
                                                                            broken, said):
    import collections
    import errno

    from orchestration import cli

    if broken == "disk_usage":
        usage = collections.namedtuple("usage", "total used free")
        monkeypatch.setattr(cli.shutil, "disk_usage", lambda _path: usage(10**9, 10**9 - 2**20, 2**20))
    else:
        def read_only(*_args, **_kwargs):
            raise OSError(errno.EROFS, "Read-only file system")
        monkeypatch.setattr(cli.tempfile, "NamedTemporaryFile", read_only)
    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_DIR / "insee" / "populations_legales", landing)

    assert main(["refresh", "--landing", str(landing), "--warehouse", str(tmp_path / "wh" / "ctg.duckdb")]) == 2

    assert said in capsys.readouterr().err
    assert not (tmp_path / "wh" / ".build").exists()  # nothing was loaded


def test_a_dbt_process_left_by_a_killed_refresh_is_said_not_fought(tmp_path, isolated_env, capsys):
    import subprocess
    import sys


    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_DIR / "insee" / "populations_legales", landing)
    warehouse = tmp_path / "ctg.duckdb"
    build_db = Settings(landing_dir=landing, warehouse=warehouse, territory_epci=EPCI).build_db
    # What `ps` shows of the dbt child of a refresh killed with -9: its --vars name the build database.
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)", "dbt", "build", "--vars",
                               f'{{"build_db": "{build_db}"}}'])
    try:
        assert main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)]) == 3
    finally:
        orphan.kill()
        orphan.wait()
    error = capsys.readouterr().err
    assert f"pid {orphan.pid}" in error and "kill" in error
    assert not warehouse.exists()


def test_kill_9_of_a_refresh_during_dbt_takes_dbt_with_it(tmp_path):
    """Issue 15, item 7, for real: `ctg refresh` killed with -9 while dbt runs; its dbt child
    must not outlive it (and hold the build database when the next night starts)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from orchestration.cli import processes_using

    landing = tmp_path / "landing"
    shutil.copytree(SAMPLE_DIR / "insee" / "populations_legales", landing)
    warehouse = tmp_path / "ctg.duckdb"
    build_db = Settings(landing_dir=landing, warehouse=warehouse, territory_epci=EPCI).build_db
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CTG_", "DAGSTER_HOME"))}
    refresh = subprocess.Popen([sys.executable, "-m", "orchestration.cli", "refresh", "--landing", str(landing),
                                "--warehouse", str(warehouse)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 90
        while not (dbt := processes_using(build_db)) and refresh.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert dbt, "dbt never started"
        refresh.send_signal(signal.SIGKILL)
        refresh.wait()
        deadline = time.monotonic() + 10
        while processes_using(build_db) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert processes_using(build_db) == []
    finally:
        refresh.kill()
    assert not warehouse.exists()  # nothing half-published


def test_the_bad_days_of_issue_15_in_one_night(refreshed, capsys):
    """Items 2, 3, 4, 5 and 9 of issue 15 in one refresh of the shared landing: each file
    refused with its French line, exit 1, the broken ones quarantined (the link as a link, its
    target never read), the copy left where it is, the published warehouse untouched."""
    landing, warehouse = refreshed
    before = sha256(warehouse)
    originals = {}

    def alter(name: str, old: str, new: str) -> None:
        path = landing / name
        originals[path] = path.read_bytes()
        text = originals[path].decode("utf-8-sig")
        assert old in text
        path.write_bytes(text.replace(old, new, 1).encode("utf-8"))

    alter("insee/recensement/base-cc-evol-struct-pop-2016.CSV", "62075;Baincthun;1322;", "62075;Baincthun;1e20;")  # 2
    copy = landing / "caf" / "NIVCOMTOTAL2014.csv"  # 3: `cp NIVCOMTOTAL2013.csv NIVCOMTOTAL2014.csv`
    shutil.copy2(landing / "caf" / "NIVCOMTOTAL2013.csv", copy)
    alter("caf/AAHCom2018.csv", "Baincthun;62075;302;29", "Baincthun;62075;302;100000000000000000000")  # 4
    link = landing / "caf" / "RSACom2016.csv"  # 5
    link.symlink_to("/etc/passwd")
    alter("caf/PAJECom2018.csv", "Baincthun;62075;302;45;", f"Baincthun;62075;302;45{'9' * 1_100_000};")  # 9
    try:
        code = main(["refresh", "--landing", str(landing), "--warehouse", str(warehouse)])
        error = capsys.readouterr().err
    finally:
        copy.unlink(missing_ok=True)
        link.unlink(missing_ok=True)
        for path, content in originals.items():  # the shared landing as the other tests know it
            path.write_bytes(content)

    assert code == 1
    for said in ["base-cc-evol-struct-pop-2016.CSV", "[règle comptage_invraisemblable]",  # 2
                 "caf/NIVCOMTOTAL2014.csv", "contenu identique, octet pour octet, à", "NIVCOMTOTAL2013.csv",  # 3
                 "caf/AAHCom2018.csv",  # 4
                 "caf/RSACom2016.csv", "lien symbolique vers un fichier hors du dossier d'arrivée",  # 5
                 "caf/PAJECom2018.csv", "[règle champ_trop_long]"]:  # 9
        assert said in error, said
    assert "Traceback" not in error and "root:x:0:0" not in error
    assert sha256(warehouse) == before
    quarantine = landing.parent / "quarantine"
    quarantined = {p.name for p in quarantine.rglob("*") if p.is_file() or p.is_symlink()}
    assert {"base-cc-evol-struct-pop-2016.CSV", "AAHCom2018.csv", "PAJECom2018.csv"} <= quarantined
    assert all(p.is_symlink() for p in quarantine.rglob("RSACom2016.csv")) and "NIVCOMTOTAL2014.csv" not in quarantined
    assert not any("root:x:0:0" in p.read_text(errors="replace") for p in (landing.parent / "quarantine").rglob("*.txt"))
