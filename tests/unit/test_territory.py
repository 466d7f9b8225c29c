import pytest
from openpyxl import Workbook

from ingest.errors import ContractError
from ingest.sources.territory import (
    TerritorySpec,
    parse_territory_spec,
    read_cog_communes,
    read_epci_composition,
    resolve_territories,
    resolve_territory,
    territory_rows,
)


def epci_workbook(path, rows):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Composition_communale"
    for title in ["Composition communale des EPCI", "Source : Insee", "", "", ""]:
        sheet.append([title])
    sheet.append(["CODGEO", "LIBGEO", "EPCI", "LIBEPCI", "DEP", "REG"])
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return path


def test_bundled_territory_is_the_22_communes_of_the_boulonnais():
    territory = resolve_territory("246200729", None, None, "")
    assert len(territory.communes) == 22
    assert (territory.dep_code, territory.dep_libelle) == ("62", "Pas-de-Calais")
    assert "Équihen-Plage" in territory.communes.libelle_commune.tolist()


def test_another_epci_comes_from_the_insee_composition_file(tmp_path):
    path = epci_workbook(
        tmp_path / "Intercommunalite_Metropole_au_01-01-2024.xlsx",
        [
            ["62160", "Boulogne-sur-Mer", "246200729", "CA du Boulonnais", "62", "32"],
            ["62193", "Calais", "246200364", "CA Grand Calais Terres et Mers", "62", "32"],
            ["62548", "Marck", "246200364", "CA Grand Calais Terres et Mers", "62", "32"],
        ],
    )
    territory = resolve_territory("246200364", read_epci_composition(path), None, path.name)
    assert territory.communes.code_commune.tolist() == ["62193", "62548"]
    assert territory.epci_libelle == "CA Grand Calais Terres et Mers"


def test_codes_saved_as_numbers_read_as_insee_writes_them(tmp_path):
    """A composition file re-saved by a spreadsheet holds codes as numbers (the workbook reader
    gives them as floats): 62160.0 is read 62160; 1004 and 1 get back their leading zero."""
    path = epci_workbook(tmp_path / "e.xlsx", [
        [62160, "Boulogne-sur-Mer", 246200729, "CA du Boulonnais", 62, 32],
        [1004, "Ambérieu-en-Bugey", 240100883, "CC de la Plaine de l'Ain", 1, 84],
    ])
    composition = read_epci_composition(path)
    assert composition[["code_commune", "epci_siren", "dep_code"]].values.tolist() == [
        ["62160", "246200729", "62"], ["01004", "240100883", "01"]]


def test_cog_gives_the_official_names(tmp_path):
    cog = tmp_path / "v_commune_2023.csv"
    cog.write_text(
        "TYPECOM,COM,REG,DEP,CTCD,ARR,TNCC,NCC,NCCENR,LIBELLE,CAN,COMPARENT\n"
        "COM,62300,32,62,62D,622,0,EQUIHEN PLAGE,Équihen-Plage,Équihen-Plage,6299,\n"
        "COMD,62999,32,62,62D,622,0,X,X,Déléguée,6299,62300\n",
        encoding="utf-8",
    )
    communes = read_cog_communes(cog)
    assert communes.code_commune.tolist() == ["62300"]
    composition = epci_workbook(tmp_path / "e.xlsx", [["62300", "Equihen", "246200729", "CA du Boulonnais", "62", "32"]])
    territory = resolve_territory("246200729", read_epci_composition(composition), communes, "e.xlsx")
    assert territory.communes.libelle_commune.tolist() == ["Équihen-Plage"]


def test_unknown_territory_without_composition_file_says_what_to_drop():
    with pytest.raises(ContractError) as error:
        resolve_territory("200000000", None, None, "")
    assert "Intercommunalite_Metropole_au_01-01-AAAA.xlsx" in str(error.value)


def test_epci_absent_from_the_composition_file_is_an_error(tmp_path):
    path = epci_workbook(tmp_path / "e.xlsx", [["62160", "Boulogne-sur-Mer", "246200729", "CA du Boulonnais", "62", "32"]])
    with pytest.raises(ContractError) as error:
        resolve_territory("200000000", read_epci_composition(path), None, path.name)
    assert error.value.violations[0].rule == "territoire_inconnu"


def test_territory_option_accepts_sirens_a_departement_or_all():
    assert parse_territory_spec("246200729") == TerritorySpec(sirens=("246200729",))
    assert parse_territory_spec(" 246200729, 200000001,246200729") == TerritorySpec(sirens=("246200729", "200000001"))
    assert parse_territory_spec("all-in-departement") == TerritorySpec(departements=("62",))
    assert parse_territory_spec("all-in-departement", "59").departements == ("59",)
    assert parse_territory_spec("ALL-IN-DEPARTEMENT:2a").departements == ("2A",)
    assert parse_territory_spec("all") == TerritorySpec(every_epci=True)
    with pytest.raises(ValueError, match="« Boulonnais » invalide.*all-in-departement"):
        parse_territory_spec("246200729,Boulonnais")
    with pytest.raises(ValueError, match="département « 999 » invalide"):
        parse_territory_spec("all-in-departement:999")


def composition_of_three_epcis(tmp_path):
    return read_epci_composition(epci_workbook(
        tmp_path / "Intercommunalite_Metropole_au_01-01-2024.xlsx",
        [
            ["62160", "Boulogne-sur-Mer", "246200729", "CA du Boulonnais", "62", "32"],
            ["62193", "Calais", "246200364", "CA Grand Calais Terres et Mers", "62", "32"],
            ["62548", "Marck", "246200364", "CA Grand Calais Terres et Mers", "62", "32"],
            # An EPCI across two départements belongs to that of most of its communes.
            ["59001", "Commune du Nord", "200000002", "CC à cheval", "59", "32"],
            ["59002", "Autre commune du Nord", "200000002", "CC à cheval", "59", "32"],
            ["62002", "Commune du Pas-de-Calais", "200000002", "CC à cheval", "62", "32"],
            ["97501", "Saint-Pierre", "ZZZZZZZZZ", "Sans objet", "975", "00"],
        ],
    ))


def test_all_in_departement_takes_each_epci_of_the_departement_the_default_convention_first(tmp_path):
    composition = composition_of_three_epcis(tmp_path)
    territories = resolve_territories(parse_territory_spec("all-in-departement"), composition, None, "c.xlsx")
    assert [t.epci_siren for t in territories] == ["246200729", "246200364"]
    nord = resolve_territories(parse_territory_spec("all-in-departement:59"), composition, None, "c.xlsx")
    assert [(t.epci_siren, t.dep_code, len(t.communes)) for t in nord] == [("200000002", "59", 3)]
    # The first SIREN written is the principal territory, whatever else is asked.
    mixed = resolve_territories(parse_territory_spec("246200364,all"), composition, None, "c.xlsx")
    assert [t.epci_siren for t in mixed] == ["246200364", "200000002", "246200729"]


def test_the_territory_table_has_each_territory_s_communes_with_its_departement_the_principal_first(tmp_path):
    territories = resolve_territories(parse_territory_spec("246200364,all"), composition_of_three_epcis(tmp_path),
                                      None, "c.xlsx")
    rows = territory_rows(territories)
    assert rows[["code_commune", "epci_siren", "dep_comparaison", "est_principal"]].values.tolist() == [
        ["62193", "246200364", "62", True], ["62548", "246200364", "62", True],
        ["59001", "200000002", "59", False], ["59002", "200000002", "59", False], ["62002", "200000002", "59", False],
        ["62160", "246200729", "62", False]]
    assert set(rows["origine"]) == {"c.xlsx"} and rows["epci_libelle"].iloc[0] == "CA Grand Calais Terres et Mers"


def test_all_without_the_composition_file_says_what_to_drop():
    with pytest.raises(ContractError) as error:
        resolve_territories(parse_territory_spec("all"), None, None, "")
    assert "Intercommunalite_Metropole_au_01-01-AAAA.xlsx" in str(error.value)


def test_a_departement_without_epci_in_the_composition_file_is_refused(tmp_path):
    with pytest.raises(ContractError, match="aucun EPCI du département 80"):
        resolve_territories(parse_territory_spec("all-in-departement:80"), composition_of_three_epcis(tmp_path), None, "c")
