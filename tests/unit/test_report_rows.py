"""The report reads the principal territory's rows only, whatever the warehouse holds."""

import duckdb

from report.content import Warehouse


def test_a_frame_keeps_the_principal_territory_rows_of_any_query(tmp_path):
    path = tmp_path / "ctg.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.territoires as select * from (values "
                    "('200000001', '62', '62910', true), ('200000001', '62', '62911', true), "
                    "('246200729', '62', '62160', false)) t(epci_siren, departement_code, code_commune, est_principal)")
        con.execute("create table marts.indicateurs as select * from (values "
                    "('commune', '62910', 2018, 1.0), ('commune', '62160', 2018, 2.0), ('epci', '200000001', 2018, 3.0), "
                    "('epci', '246200729', 2018, 4.0), ('departement', '62', 2018, 5.0), ('departement', '59', 2018, 6.0), "
                    "('groupement', 'antenne', 2018, 7.0), ('epci', null, 2018, 8.0)) "
                    "t(territoire_niveau, territoire_code, annee, valeur)")
        con.execute("create table marts.communes_non_dotees as select * from (values "
                    "('62911', null), ('62160', true)) t(code_commune, est_territoire_principal)")
    warehouse = Warehouse(path)
    try:
        rows = warehouse.frame("indicateurs", "select * from marts.indicateurs where annee = ? order by valeur desc", (2018,))
        # Its communes, its EPCI, its département, the groups, and a NULL code (the convention's own level).
        assert rows.valeur.tolist() == [8.0, 7.0, 5.0, 3.0, 1.0]
        assert warehouse.frame("communes_non_dotees", "select * from marts.communes_non_dotees").empty
        assert warehouse.frame("absente", "select 1") is None
    finally:
        warehouse.close()


def test_the_communes_section_shows_the_latest_year_of_the_territory_communes(tmp_path):
    """Another EPCI's communes already have 2019: the territory's chart is of 2018, its latest."""
    from report.content import families_by_commune

    path = tmp_path / "ctg.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("create schema marts")
        con.execute("create table marts.territoires as select * from (values "
                    "('200000001', '62', '62910', true), ('246200729', '62', '62160', false)) "
                    "t(epci_siren, departement_code, code_commune, est_principal)")
        con.execute("create table marts.indicateurs as select * from (values "
                    "('nb_allocataires', 'commune', '62910', 'Commune A', 2017, 10.0, 'NIVCOMTOTAL 2017'), "
                    "('nb_allocataires', 'commune', '62910', 'Commune A', 2018, 12.0, 'NIVCOMTOTAL 2018'), "
                    "('nb_allocataires', 'commune', '62160', 'Commune B', 2019, 99.0, 'NIVCOMTOTAL 2019')) "
                    "t(indicateur_code, territoire_niveau, territoire_code, territoire_libelle, annee, valeur, source)")
    warehouse = Warehouse(path)
    try:
        [chart] = families_by_commune(warehouse).charts
    finally:
        warehouse.close()
    assert "(2018)" in chart.title and chart.caption == "Source : NIVCOMTOTAL 2018."
