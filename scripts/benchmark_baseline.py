"""The plain DuckDB baselines of scripts/benchmark_refresh.py (not a test): hand-written SQL
straight from the generated CSVs, the floor a refresh is compared with.

- `mart_statements`: the rows of `marts.indicateurs` at the commune, EPCI and département
  levels (14,490,782 of the 14,491,576 rows of the benchmark's national refresh; not the 794
  rows of the CAB's groups of communes, from a seed): each indicator of the CAF legacy files,
  the current portal, the populations légales, the census, the births and ONAPE, each year,
  with value, numerator, denominator, the variations over 5, 3 and 1 years, the approximation
  flag, name and source, the indicators written out by hand from INDICATORS.md;
  `compare_with_mart` checks them, row by row, against what the refresh published.
- `sums_statements`: the baseline of the sessions before 2026-12 (every legacy variable and
  the population summed per commune, EPCI and département, and the allocataires' share: no
  indicator, variation, name or source), kept for comparison.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb


# The indicators of marts.indicateurs, written out by hand from INDICATORS.md: numerator's and
# denominator's columns, each `table:column`. The tables: each CAF legacy file by its name
# without its year (`ConfigFamiliale`), `population` (the populations légales), `portail` (the
# current portal's s_ben_com_f), `naissances` and `recensement` (INSEE).
@dataclass(frozen=True)
class Indicator:
    code: str
    num: list[str]
    den: list[str] = field(default_factory=list)
    priorite: int = 1  # 2: the current portal, a trend of its own (its counts rounded to 5)
    rounded: bool = False  # always approximate
    factor: int = 100  # × 100 for shares and rates, 1 for a plain ratio


CONFIG = "ConfigFamiliale"
COUPLES = [f"{CONFIG}:coup_{n}_enf" for n in ("1", "2", "3", "4plus")]
MONOPARENTS = [f"{CONFIG}:mono_{n}_enf" for n in ("1", "2", "3", "4plus")]
FAMILLES = COUPLES + MONOPARENTS
ISOLES = [f"{CONFIG}:homme_isole", f"{CONFIG}:femme_isolee"]
ALLOCATAIRES = [f"{CONFIG}:nb_allocataires"]
ENFANTS = ["EnfantAgeCom:nb_enfants"]
POPULATION = ["population:pmun"]
AGES = {age: [f"EnfantAgeCom:nb_enfants_{band}_ans" for band in bands] for age, bands in {
    "moins_3": ["0_2"], "3_5": ["3_5"], "6_11": ["6_11"], "12_17": ["12_15", "16_17"], "18_19": ["18_19"],
    "6_17": ["6_11", "12_15", "16_17"]}.items()}
PORTAL_ALLOCATAIRES = ["portail:indfoy_ndur"]
BASELINE_INDICATORS: list[Indicator] = [
    Indicator("nb_allocataires", ALLOCATAIRES),
    Indicator("nb_familles", FAMILLES),
    Indicator("nb_familles_monoparentales", MONOPARENTS),
    Indicator("part_familles", FAMILLES, ALLOCATAIRES),
    Indicator("part_couples_avec_enfants", COUPLES, ALLOCATAIRES),
    Indicator("part_familles_monoparentales", MONOPARENTS, ALLOCATAIRES),
    Indicator("part_familles_1_enfant", [f"{CONFIG}:coup_1_enf", f"{CONFIG}:mono_1_enf"], FAMILLES),
    Indicator("part_familles_2_enfants", [f"{CONFIG}:coup_2_enf", f"{CONFIG}:mono_2_enf"], FAMILLES),
    Indicator("part_familles_nombreuses", COUPLES[2:] + MONOPARENTS[2:], FAMILLES),
    Indicator("part_allocataires_sans_enfant", [f"{CONFIG}:coup_0_enf"] + ISOLES, ALLOCATAIRES),
    Indicator("part_couples_sans_enfant", [f"{CONFIG}:coup_0_enf"], ALLOCATAIRES),
    Indicator("part_allocataires_isoles", ISOLES, ALLOCATAIRES),
    Indicator("nb_personnes_couvertes", ["NIVCOMTOTAL:nb_pers_par_foyer_alloc"]),
    Indicator("taux_couverture_caf", ["NIVCOMTOTAL:nb_pers_par_foyer_alloc"], POPULATION),
    Indicator("nb_enfants_caf", ["NIVCOMTOTAL:nb_enfants"]),
    Indicator("nb_beneficiaires_rsa", ["RSACom:nb_allocataire_rsa"]),
    Indicator("part_rsa", ["RSACom:nb_allocataire_rsa"], ["RSACom:nb_allocataires"]),
    Indicator("nb_beneficiaires_aah", ["AAHCom:all_aah"]),
    Indicator("part_aah", ["AAHCom:all_aah"], ["AAHCom:nb_allocataires"]),
    Indicator("part_bas_revenus", ["BasrevenuCom:all_bas_revenu"], ["BasrevenuCom:nb_allocataires_ress"]),
    Indicator("part_dependance_50", ["DependancePrestaCom:tr50pfrb"], ["DependancePrestaCom:nb_allocataires"]),
    Indicator("part_dependance_100", ["DependancePrestaCom:tr100pfrb"], ["DependancePrestaCom:nb_allocataires"]),
    *[Indicator(f"nb_enfants_caf_{age}", columns) for age, columns in AGES.items()],
    *[Indicator(f"part_enfants_{age}" if age in ("moins_3", "3_5") else f"part_enfants_caf_{age}", columns, ENFANTS)
      for age, columns in AGES.items()],
    Indicator("nb_enfants_aeeh", ["enfantAEEH:nb_enfant_aeeh"]),
    Indicator("part_enfants_aeeh", ["enfantAEEH:nb_enfant_aeeh"], ["NIVCOMTOTAL:nb_enfants"]),
    Indicator("population_municipale", POPULATION),
    # The current portal, for the months the legacy files do not cover.
    *[Indicator(code, num, den, priorite=2, rounded=True) for code, num, den in [
        ("nb_allocataires", PORTAL_ALLOCATAIRES, []),
        ("nb_personnes_couvertes", ["portail:indnbp_ndur"], []),
        ("taux_couverture_caf", ["portail:indnbp_ndur"], POPULATION),
        ("nb_beneficiaires_rsa", ["portail:indfoy_rsa"], []),
        ("part_rsa", ["portail:indfoy_rsa"], PORTAL_ALLOCATAIRES),
        ("nb_beneficiaires_ppa", ["portail:indfoy_ppa"], []),
        ("part_ppa", ["portail:indfoy_ppa"], PORTAL_ALLOCATAIRES),
        ("nb_beneficiaires_aah", ["portail:indfoy_aah"], []),
        ("part_aah", ["portail:indfoy_aah"], PORTAL_ALLOCATAIRES)]],
    Indicator("population_6_17", ["recensement:pop0610", "recensement:pop1117"]),
    Indicator("part_population_6_17", ["recensement:pop0610", "recensement:pop1117"], ["recensement:pop"]),
    Indicator("indice_jeunesse", ["recensement:pop0019"],
              ["recensement:pop6074", "recensement:pop7589", "recensement:pop90p"], factor=1),
    Indicator("nb_naissances", ["naissances:naissances"]),
]
# Read as they are, not summed: ONAPE's theoretical capacity, by commune, EPCI and département.
ONAPE_LEVELS = {"commune": "com", "epci": "epci", "departement": "dep"}


def parts_sql(table: str, columns: list[str]) -> tuple[str, str]:
    """The sum of a table's columns (NULL only when all are masked) and whether any is masked."""
    cells = [f'"{table}".{column.split(":")[1]}' for column in columns]
    total = " + ".join(f"coalesce({cell}, 0)" for cell in cells)
    masked = " or ".join(f"{cell} is null" for cell in cells)
    return f"case when {' and '.join(f'{cell} is null' for cell in cells)} then null else {total} end", masked


def indicator_select(indicator: Indicator) -> str:
    """An indicator's rows per commune and year, from its tables joined on commune and year
    (the population: the latest year at or before)."""
    tables = list(dict.fromkeys(column.split(":")[0] for column in indicator.num + indicator.den))
    first = tables[0]
    num_tables = list(dict.fromkeys(column.split(":")[0] for column in indicator.num))
    den_tables = list(dict.fromkeys(column.split(":")[0] for column in indicator.den))
    numerator, num_masked = parts_sql(num_tables[0], indicator.num)
    denominator, den_masked = parts_sql(den_tables[0], indicator.den) if indicator.den else ("null", "false")
    joins = ""
    for table in tables[1:]:
        year = f'"{table}".annee <= "{first}".annee' if table == "population" else f'"{table}".annee = "{first}".annee'
        joins += (f' {"asof " if table == "population" else ""}join "{table}" '
                  f'on "{table}".code_commune = "{first}".code_commune and {year}')
    sources = " || ' ; ' || ".join(f'"{table}".source' for table in tables)
    approximate = "true" if indicator.rounded else f"{num_masked} or {den_masked}"
    return f"""select '{indicator.code}' as indicateur_code, "{first}".annee, "{first}".code_commune,
                   ({numerator})::double as numerateur, ({denominator})::double as denominateur,
                   {'true' if indicator.den else 'false'} as est_ratio, {approximate} as est_approximatif,
                   {sources} as source, {indicator.priorite} as priorite, {indicator.factor} as facteur
            from "{first}"{joins}"""


def mart_statements(landing: Path, composition: Path, departements: Path) -> list[tuple[str, list]]:
    """Plain DuckDB SQL from the CSVs to the rows of marts.indicateurs of BASELINE_INDICATORS and
    ONAPE's capacity: every commune, EPCI and département, each year, value, numerator,
    denominator, the three variations, approximation flag, name and source."""
    legacy: dict[str, set[str]] = {}
    for indicator in BASELINE_INDICATORS:
        for column in indicator.num + indicator.den:
            table, name = column.split(":")
            if table not in ("population", "portail", "naissances", "recensement"):
                legacy.setdefault(table, set()).add(name)
    statements: list[tuple[str, list]] = [
        ("create temp table territory as select * from read_csv(?, all_varchar = true)", [str(composition)]),
        ("create temp table departements as select * from read_csv(?, all_varchar = true)", [str(departements)]),
        (r"""create temp table population as
            select cast(regexp_extract(filename, '/(\d{4})/', 1) as integer) as annee, com as code_commune,
                   commune as libelle_commune, try_cast(pmun as bigint) as pmun,
                   'INSEE populations légales ' || regexp_extract(filename, '/(\d{4})/', 1) as source
            from read_csv(?, delim = ';', header = true, filename = true, all_varchar = true)""",
         [str(landing / "insee" / "*" / "donnees_communes.csv")]),
        ("""create temp table portail as
            select cast(left(dtreffre, 4) as integer) as annee, numcomdo as code_commune,
                   try_cast(indfoy_ndur as bigint) as indfoy_ndur, try_cast(indnbp_ndur as bigint) as indnbp_ndur,
                   try_cast(indfoy_rsa as bigint) as indfoy_rsa, try_cast(indfoy_ppa as bigint) as indfoy_ppa,
                   try_cast(indfoy_aah as bigint) as indfoy_aah,
                   'CAF s_ben_com_f.csv (' || dtreffre || ', arrondi à 5)' as source
            from read_csv(?, delim = ';', header = true, all_varchar = true)""",
         [str(landing / "caf" / "portail" / "s_ben_com_f.csv")]),
        (r"""create temp table naissances as
            with wide as (
                select * from read_csv(?, delim = ';', header = true, all_varchar = true, filename = true)
            ),
            long as (
                unpivot wide on columns(* exclude (codgeo, filename)) into name variable value valeur
            )
            select 2000 + cast(right(variable, 2) as integer) as annee, codgeo as code_commune,
                   try_cast(valeur as bigint) as naissances,
                   'INSEE naissances domiciliées ' || (2000 + cast(right(variable, 2) as integer))
                   || ' (' || regexp_extract(filename, '([^/]+)$', 1) || ')' as source
            from long""", [str(landing / "insee" / "naissances" / "base_naissances_*.csv")]),
        (r"""create temp table recensement as
            select cast(regexp_extract(filename, '(\d{4})\.csv$', 1, 'i') as integer) as annee, codgeo as code_commune,
                   try_cast(p16_pop as double) as pop, try_cast(p16_pop0610 as double) as pop0610,
                   try_cast(p16_pop1117 as double) as pop1117, try_cast(p16_pop0019 as double) as pop0019,
                   try_cast(p16_pop6074 as double) as pop6074, try_cast(p16_pop7589 as double) as pop7589,
                   try_cast(p16_pop90p as double) as pop90p,
                   'INSEE recensement ' || regexp_extract(filename, '(\d{4})\.csv$', 1, 'i') || ' (population par âge)' as source
            from read_csv(?, delim = ';', header = true, all_varchar = true, filename = true)""",
         [str(landing / "insee" / "base-cc-evol-struct-pop-2016.CSV")]),
    ]
    # Each CAF legacy file's columns the indicators use, a masked (blank) count as NULL.
    for name, columns in sorted(legacy.items()):
        counts = ", ".join(f"try_cast({column} as bigint) as {column}" for column in sorted(columns))
        statements.append((rf"""create temp table "{name}" as
            select cast(regexp_extract(filename, '(\d{{4}})\.csv$', 1) as integer) as annee, codes_insee as code_commune,
                   {counts}, 'CAF ' || regexp_extract(filename, '([^/]+)$', 1)
                   || ' (31/12/' || regexp_extract(filename, '(\d{{4}})\.csv$', 1) || ')' as source
            from read_csv(?, delim = ';', header = true, filename = true, all_varchar = true, union_by_name = true)""",
                           [str(landing / "caf" / f"{name}[0-9][0-9][0-9][0-9].csv")]))
    statements.append(("create temp table communes as\n"
                       + "\nunion all\n".join(indicator_select(indicator) for indicator in BASELINE_INDICATORS), []))
    onape = "\nunion all\n".join(
        f"""select 'capacite_theorique_accueil', '{level}', num{suffix}, cast(annee as integer),
                   try_cast(txcouv_{suffix} as double), null::double, false, false,
                   'CAF ONAPE txcouv_pe_{suffix}.csv (' || annee || ')', 1, 1
            from read_csv(?, delim = ';', header = true, all_varchar = true)"""
        for level, suffix in ONAPE_LEVELS.items())
    return statements + [
        # The three levels, ratios from summed numerators and denominators.
        (f"""create temp table levels as
            select indicateur_code, 'commune' as territoire_niveau, code_commune as territoire_code, annee,
                   numerateur, denominateur, est_ratio, est_approximatif, source, priorite, facteur
            from communes
            union all
            select indicateur_code, 'epci', territory.epci_siren, annee, sum(numerateur), sum(denominateur),
                   bool_and(est_ratio),
                   bool_or(est_approximatif or numerateur is null or (est_ratio and denominateur is null)),
                   min(source), priorite, facteur
            from communes join territory using (code_commune)
            group by all
            union all
            select indicateur_code, 'departement', left(code_commune, 2), annee, sum(numerateur), sum(denominateur),
                   bool_and(est_ratio),
                   bool_or(est_approximatif or numerateur is null or (est_ratio and denominateur is null)),
                   min(source), priorite, facteur
            from communes join territory using (code_commune)
            group by all
            -- Not a département whose extracts cover one EPCI only (its figure would be the EPCI's).
            having min(territory.epci_siren) <> max(territory.epci_siren)
            union all
            {onape}""", [str(landing / "caf" / "onape" / f"txcouv_pe_{suffix}.csv") for suffix in ONAPE_LEVELS.values()]),
        ("""create temp table names as
            select distinct 'commune' as territoire_niveau, code_commune as territoire_code,
                   libelle_commune as territoire_libelle
            from population
            union all
            select distinct 'epci', epci_siren, epci_libelle from territory
            union all
            select 'departement', dep_code, dep_libelle from departements""", []),
        # The variations against the figures of 5, 3 and 1 years before, of the same source
        # (`priorite`; a year at most once per territory and indicator: the figure of N years
        # before is N rows back or absent).
        ("""create temp table indicateurs as
            with valued as (
                select levels.*, names.territoire_libelle,
                       case when est_ratio then numerateur / nullif(denominateur, 0) * facteur
                            else numerateur end as valeur
                from levels left join names using (territoire_niveau, territoire_code)
            ),
            earlier as (
                select *,
                       case when lag(annee, 5) over w = annee - 5 then lag(valeur, 5) over w end as valeur_5,
                       case when lag(annee, 3) over w = annee - 3 then lag(valeur, 3) over w end as valeur_3,
                       case when lag(annee, 1) over w = annee - 1 then lag(valeur, 1) over w end as valeur_1
                from valued
                window w as (partition by indicateur_code, territoire_niveau, territoire_code, priorite order by annee)
            )
            select indicateur_code, territoire_niveau, territoire_code, territoire_libelle, annee, valeur,
                   case when est_ratio then numerateur end as numerateur,
                   case when est_ratio then denominateur end as denominateur,
                   case when valeur_5 <> 0 then 100.0 * (valeur - valeur_5) / valeur_5 end as variation_5ans_pct,
                   case when valeur_3 <> 0 then 100.0 * (valeur - valeur_3) / valeur_3 end as variation_3ans_pct,
                   valeur - valeur_1 as variation_1an_nb,
                   est_approximatif, source
            from earlier""", []),
    ]


def sums_statements(landing: Path, composition: Path) -> list[tuple[str, list]]:
    legacy, populations = str(landing / "caf" / "*.csv"), str(landing / "insee" / "*" / "donnees_communes.csv")
    return [
        ("create temp table territory as select * from read_csv(?, all_varchar = true)", [str(composition)]),
        ("""create temp table legacy_long as
            with files as (
                select * from read_csv(?, delim = ';', header = true, union_by_name = true, filename = true,
                                       all_varchar = true)
            )
            unpivot files on columns(* exclude (communes, codes_insee, filename))
            into name variable value valeur""", [legacy]),
        (r"""create temp table legacy as
            select cast(regexp_extract(filename, '(\d{4})\.csv$', 1) as integer) as annee,
                   codes_insee as code_commune, lower(variable) as variable, try_cast(valeur as bigint) as valeur
            from legacy_long""", []),
        (r"""create temp table populations as
            select cast(regexp_extract(filename, '/(\d{4})/', 1) as integer) as annee, com as code_commune,
                   'population_municipale' as variable, try_cast(pmun as bigint) as valeur
            from read_csv(?, delim = ';', header = true, filename = true, all_varchar = true)""", [populations]),
        ("create temp table communes_values as select * from legacy union all by name select * from populations", []),
        ("""create temp table result as
            select variable, 'commune' as niveau, code_commune as code, annee, sum(valeur) as valeur
            from communes_values where code_commune in (select code_commune from territory)
            group by all
            union all
            select variable, 'epci', territory.epci_siren, annee, sum(valeur)
            from communes_values join territory using (code_commune)
            group by all
            union all
            select variable, 'departement', left(code_commune, 2), annee, sum(valeur)
            from communes_values
            group by all""", []),
        ("""create temp table shares as
            select allocataires.niveau, allocataires.code, allocataires.annee,
                   100.0 * allocataires.valeur / nullif(population.valeur, 0) as part_allocataires
            from result as allocataires
            join result as population
                on allocataires.niveau = population.niveau and allocataires.code = population.code
                and allocataires.annee = population.annee and population.variable = 'population_municipale'
            where allocataires.variable = 'nb_allocataires'""", []),
    ]


# What each baseline computed: the mart's rows, or the sums and the shares.
MART_ROWS = "select count(*) from indicateurs"
SUMS_FIGURES = "select (select count(*) from result) + (select count(*) from shares)"


def run(statements: list[tuple[str, list]], count: str = MART_ROWS,
        compare_with: Path | None = None) -> tuple[float, int, dict | None]:
    """Seconds to run the statements in an in-memory DuckDB, what they computed (`count`), and,
    given a published warehouse, the comparison of the rows with its `marts.indicateurs` (untimed)."""
    started = time.perf_counter()
    with duckdb.connect() as con:
        for statement, parameters in statements:
            con.execute(statement, parameters)
        elapsed = time.perf_counter() - started
        rows = con.execute(count).fetchone()[0]
        comparison = compare_with_mart(con, compare_with) if compare_with else None
    return elapsed, rows, comparison


def compare_with_mart(con: duckdb.DuckDBPyConnection, warehouse: Path) -> dict:
    """The baseline's rows against the published ones of the same indicators and levels: how
    many of each, and how many differ in some column (figures within 1e-9 relative)."""
    con.execute("attach ? as published (read_only)", [str(warehouse)])
    same = " and ".join(
        f"(mart.{c} is not distinct from base.{c} or abs(mart.{c} - base.{c}) <= 1e-9 * abs(mart.{c}))"
        for c in ("valeur", "numerateur", "denominateur", "variation_5ans_pct", "variation_3ans_pct", "variation_1an_nb"))
    same += "".join(f" and mart.{c} is not distinct from base.{c}"
                    for c in ("territoire_libelle", "est_approximatif", "source"))
    mart_rows, base_rows, matching = con.execute(f"""
        with mart as (
            select * from published.marts.indicateurs
            where indicateur_code in (select distinct indicateur_code from indicateurs)
              and territoire_niveau in ('commune', 'epci', 'departement')
        )
        select (select count(*) from mart), (select count(*) from indicateurs),
               (select count(*) from mart join indicateurs as base
                    using (indicateur_code, territoire_niveau, territoire_code, annee)
                where {same})""").fetchone()
    con.execute("detach published")
    return {"published_rows": mart_rows, "baseline_rows": base_rows, "identical_rows": matching}
