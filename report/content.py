"""What the report says, read from the published warehouse only (read-only): sections of
tables and charts, in the order of the convention's Annexe 1 and Annexe 3. The HTML page and
the Excel workbook render the same `Table` objects, so they hold the same figures.

Nothing of a territory is hard-coded: its name, its communes and its département come from
the marts; a section whose marts are missing says so instead of disappearing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from report import charts

THEMES = ["Territoire et familles", "Précarité", "Petite enfance", "Parentalité", "Enfance jeunesse",
          "Animation de la vie sociale", "Handicap", "Habitat indigne (axe 10)", "Pilotage"]
SERIES_YEARS = 6  # year columns of a theme's series table
STATUS_LABELS = {
    "non_renseigne": "non renseigné", "en_baisse": "en baisse", "stable": "stable", "en_progression": "en progression",
    "cible_atteinte": "cible atteinte", "non_demarre": "non démarré", "en_cours": "en cours", "realise": "réalisé",
    "abandonne": "abandonné",
}


@dataclass(frozen=True)
class Cell:
    value: object  # number, text or None
    unit: str | None = None  # nombre, pct, ratio, taux_pour_100, etp, variation; None for text
    approximate: bool = False


@dataclass
class Table:
    sheet: str  # Excel sheet name (31 characters at most)
    title: str
    columns: list[str]
    rows: list[list[Cell]]
    caption: str = ""  # sources and reference dates


@dataclass
class Section:
    anchor: str
    title: str
    intro: str = ""
    tables: list[Table] = field(default_factory=list)
    charts: list[charts.Chart] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)  # marts absent from the warehouse


@dataclass
class Report:
    territory: str
    departement: str
    communes: list[str]
    generated: dt.datetime
    warehouse: Path
    sections: list[Section]


class Warehouse:
    """The published file, read-only; a mart that is absent reads as None.

    A refresh may compute several territories (`--territory A,B`, `all-in-departement`): the
    report is the convention's, so every frame keeps the rows of the principal territory only
    (its communes, its EPCI, its département; groups are the convention's)."""

    def __init__(self, path: Path):
        self.con = duckdb.connect(str(path), read_only=True)
        self.tables = {name for (name,) in self.con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts'").fetchall()}
        self.principal: tuple[str, str, set[str]] | None = None  # EPCI, département, communes
        if "territoires" in self.tables:
            rows = self.con.execute("select epci_siren, departement_code, code_commune from marts.territoires "
                                    "where est_principal").fetchall()
            if rows:
                self.principal = (rows[0][0], rows[0][1], {code for (_, _, code) in rows})

    def frame(self, table: str, sql: str, params=()) -> pd.DataFrame | None:
        if table not in self.tables:
            return None
        relation = self.con.sql(sql, params=list(params))
        keep = self.principal_rows(relation.columns)
        # Filtered by DuckDB, not in pandas: a national warehouse holds every EPCI's rows
        # (1.2 million for the themes' series), and only the principal's become a frame.
        return (relation if keep is None else relation.filter(keep)).df()

    def principal_rows(self, columns: list[str]) -> duckdb.Expression | None:
        """The condition keeping the principal territory's rows, from the columns a query gives."""
        if self.principal is None:
            return None
        epci, dep, communes = self.principal
        codes = [duckdb.ConstantExpression(code) for code in sorted(communes)]
        keep = []
        if {"territoire_niveau", "territoire_code"} <= set(columns):
            level, code = duckdb.ColumnExpression("territoire_niveau"), duckdb.ColumnExpression("territoire_code")

            def at(name: str, condition: duckdb.Expression) -> duckdb.Expression:  # rows of another level pass
                return level.isnull() | (level != duckdb.ConstantExpression(name)) | condition

            # A NULL code is the convention's own level (marts.evaluation: "the EPCI").
            keep.append(code.isnull() | (at("commune", code.isin(*codes)) & at("epci", code == duckdb.ConstantExpression(epci))
                                          & at("departement", code == duckdb.ConstantExpression(dep))))
        if "code_commune" in columns:
            keep.append(duckdb.ColumnExpression("code_commune").isin(*codes))
        if "est_territoire_principal" in columns:
            keep.append(duckdb.CoalesceOperator(duckdb.ColumnExpression("est_territoire_principal"),
                                                duckdb.ConstantExpression(False)))
        if not keep:
            return None
        condition = keep[0]
        for other in keep[1:]:
            condition = condition & other
        return condition

    def close(self) -> None:
        self.con.close()


def text(value) -> Cell:
    return Cell(None if pd.isna(value) else str(value))


def num(value, unit: str | None = "nombre", approximate=False) -> Cell:
    return Cell(None if pd.isna(value) else float(value), unit, bool(approximate) if pd.notna(approximate) else False)


def build(path: Path) -> Report:
    warehouse = Warehouse(path)
    try:
        territory, departement, epci, dep = identity(warehouse)
        communes = commune_names(warehouse)
        sections = [
            *theme_sections(warehouse, territory, departement, epci, dep),
            early_childhood(warehouse, territory),
            offer(warehouse),
            families_by_commune(warehouse),
            housing(warehouse, territory),
            evaluation(warehouse),
        ]
    finally:
        warehouse.close()
    return Report(territory, departement, communes, dt.datetime.now(), path, sections)


def identity(warehouse: Warehouse) -> tuple[str, str, str | None, str | None]:
    found = warehouse.frame("diagnostic_territoire", "select epci_libelle, departement_libelle, epci_code, departement_code, "
                            "* from marts.diagnostic_territoire")  # the principal territory's rows (Warehouse)
    if found is None or found.empty:
        found = warehouse.frame("territoires", "select epci_libelle, departement_libelle, epci_siren, departement_code "
                                "from marts.territoires where est_principal limit 1")
    if found is None or found.empty or pd.isna(found.iat[0, 0]):
        found = warehouse.frame("indicateurs", "select any_value(territoire_libelle) filter (where territoire_niveau = 'epci'), "
                                "any_value(territoire_libelle) filter (where territoire_niveau = 'departement'), "
                                "any_value(territoire_code) filter (where territoire_niveau = 'epci'), "
                                "any_value(territoire_code) filter (where territoire_niveau = 'departement') "
                                "from marts.indicateurs")
    if found is None or found.empty:
        return "Territoire", "Département", None, None
    epci, dep, epci_code, dep_code = found.iloc[0, :4].tolist()
    return epci or "Territoire", dep or "Département", epci_code, dep_code


def commune_names(warehouse: Warehouse) -> list[str]:
    found = warehouse.frame("communes_non_dotees", "select distinct code_commune, libelle_commune from marts.communes_non_dotees "
                            "order by libelle_commune")
    if found is None or found.empty:
        return []
    return found.libelle_commune.dropna().tolist()


def theme_sections(warehouse: Warehouse, territory: str, departement: str, epci: str | None, dep: str | None):
    latest = warehouse.frame("diagnostic_territoire", "select * from marts.diagnostic_territoire order by ordre")
    series = warehouse.frame(
        "indicateurs",
        "select i.indicateur_code, i.territoire_niveau, i.territoire_code, i.annee, i.valeur, i.est_approximatif, i.source, "
        "c.libelle, c.unite, c.theme, c.ordre from marts.indicateurs i "
        "join marts.indicateurs_catalogue c using (indicateur_code) "
        "where i.territoire_niveau in ('epci', 'departement') order by c.ordre, i.annee",
    ) if "indicateurs_catalogue" in warehouse.tables else None
    for number, theme in enumerate(THEMES, start=1):
        section = Section(f"theme-{number}", theme)
        if latest is None:
            section.missing.append("marts.diagnostic_territoire")
        else:
            rows = latest[latest.theme == theme]
            if not rows.empty:
                section.tables.append(Table(
                    f"{number:02d}a {theme}"[:31], f"{theme} : dernière année connue",
                    ["Indicateur", "Année", territory, "Évolution 5 ans", departement, "Évolution 5 ans", "Source"],
                    [[text(r.libelle), Cell(int(r.annee_reference), "annee"),
                      num(r.valeur_epci, r.unite, r.est_approximatif), num(r.variation_5ans_epci_pct, "variation"),
                      num(r.valeur_departement, r.unite), num(r.variation_5ans_departement_pct, "variation"),
                      text(r.source)] for r in rows.itertuples()],
                    "Source : colonne « Source » (fichier et date de référence de chaque chiffre).",
                ))
        if series is None:
            section.missing.append("marts.indicateurs")
        else:
            theme_rows = series[series.theme == theme]
            table, figures = theme_series(theme_rows, number, theme, territory, departement)
            if table is not None:
                section.tables.append(table)
            section.charts.extend(figures)
        if section.tables or section.missing:
            yield section


def theme_series(rows: pd.DataFrame, number: int, theme: str, territory: str, departement: str):
    epci_rows = rows[(rows.territoire_niveau == "epci") & rows.valeur.notna()]
    if epci_rows.empty:
        return None, []
    years = sorted(epci_rows.annee.unique())[-SERIES_YEARS:]
    table_rows = []
    for (_order, label, unit), group in epci_rows.groupby(["ordre", "libelle", "unite"], sort=True):
        by_year = {int(r.annee): r for r in group.itertuples()}
        if not any(y in by_year for y in years):
            continue
        table_rows.append([text(label), *[
            num(by_year[y].valeur, unit, by_year[y].est_approximatif) if y in by_year else Cell(None, unit)
            for y in years]])
    table = Table(f"{number:02d}b {theme}"[:31], f"{theme} : évolution pour {territory}",
                  ["Indicateur", *[str(y) for y in years]], table_rows,
                  f"Source : marts.indicateurs ({territory}), au 31/12 de chaque année.")
    figures = []
    for code, group in rows[rows.unite == "pct"].groupby("indicateur_code", sort=False):
        levels = group[group.valeur.notna()].groupby("territoire_niveau").annee.nunique()
        if levels.get("epci", 0) >= 2 and levels.get("departement", 0) >= 2 and len(figures) < 2:
            label = group.libelle.iat[0]
            figures.append(charts.lines(
                f"{label} : {territory} et {departement}",
                {territory: series_of(group, "epci"), departement: series_of(group, "departement")},
                "%", f"Source : marts.indicateurs ({code})."))
    return table, figures


def series_of(group: pd.DataFrame, level: str) -> list[tuple[int, float]]:
    rows = group[(group.territoire_niveau == level) & group.valeur.notna()]
    return [(int(r.annee), float(r.valeur)) for r in rows.itertuples()]


def early_childhood(warehouse: Warehouse, territory: str) -> Section:
    section = Section("petite-enfance", "Petite enfance : l'offre face aux besoins, par commune")
    focus = warehouse.frame("focus_petite_enfance", "select * from marts.focus_petite_enfance "
                            "where territoire_niveau in ('commune', 'epci') and places_pour_100_enfants_moins_3 is not null")
    if focus is None:
        section.missing.append("marts.focus_petite_enfance")
    elif not focus.empty:
        year = int(focus.annee.max())
        rows = focus[focus.annee == year].sort_values(["territoire_niveau", "territoire_libelle"])
        section.tables.append(Table(
            "Petite enfance par commune", f"Accueil du jeune enfant par commune au 31/12/{year}",
            ["Territoire", "Enfants Caf de moins de 3 ans", "Naissances", "Places d'accueil collectif",
             "Places pour 100 enfants de moins de 3 ans", "Taux d'occupation des EAJE", "Capacité théorique ONAPE"],
            [[text(r.territoire_libelle), num(r.enfants_caf_moins_3), num(r.naissances), num(r.places_accueil_collectif),
              num(r.places_pour_100_enfants_moins_3, "taux_pour_100"), num(r.taux_occupation, "pct"),
              num(r.capacite_theorique_onape, "taux_pour_100")] for r in rows.itertuples()],
            f"Sources : inventaire des structures (places au 31/12/{year}), Caf (enfants de moins de 3 ans au "
            f"31/12/{year_of(rows.annee_enfants_moins_3)}), INSEE (naissances {year_of(rows.annee_naissances)}), "
            f"ONAPE (capacité théorique {year_of(rows.annee_onape)}) : les dernières années connues au 31/12/{year}.",
        ))
        communes = rows[rows.territoire_niveau == "commune"]
        section.charts.append(charts.bars(
            f"Places d'accueil collectif pour 100 enfants de moins de 3 ans, par commune ({year})",
            [(r.territoire_libelle, r.places_pour_100_enfants_moins_3) for r in communes.itertuples()],
            "places pour 100 enfants", f"Source : inventaire des structures et Caf, {year}.",
            reference=epci_value(rows, "places_pour_100_enfants_moins_3"), reference_label=territory))
    missing = warehouse.frame("communes_non_dotees", "select * from marts.communes_non_dotees "
                              "where annee = (select max(annee) from marts.communes_non_dotees) order by libelle_commune")
    if missing is None:
        section.missing.append("marts.communes_non_dotees")
    elif not missing.empty:
        year = int(missing.annee.iat[0])
        without = missing[missing.sans_accueil_collectif]
        section.intro = (f"Au 31/12/{year}, {len(without)} commune(s) sur {len(missing)} n'ont aucun accueil collectif "
                         f"du jeune enfant : {', '.join(without.libelle_commune) or 'aucune'}.")
        section.tables.append(Table(
            "Communes non dotées", f"Communes sans équipement au 31/12/{year}",
            ["Commune", "Sans accueil collectif", "Sans accueil de loisirs", "Sans structure d'animation de la vie sociale"],
            [[text(r.libelle_commune), text("oui" if r.sans_accueil_collectif else "non"),
              text("oui" if r.sans_alsh else "non"), text("oui" if r.sans_structure_avs else "non")]
             for r in missing.itertuples()],
            f"Source : inventaire des structures, structures ouvertes au 31/12/{year}.",
        ))
    return section


def year_of(years: pd.Series) -> str:
    known = years.dropna()
    return str(int(known.max())) if not known.empty else "–"


def epci_value(rows: pd.DataFrame, column: str):
    epci = rows[rows.territoire_niveau == "epci"]
    return None if epci.empty else epci[column].iat[0]


def offer(warehouse: Warehouse) -> Section:
    section = Section("offre", "L'offre de services aux familles par type et par commune")
    found = warehouse.frame("offre_structures", "select * from marts.offre_structures where territoire_niveau = 'commune' "
                            "and annee = (select max(annee) from marts.offre_structures) and nb_structures > 0")
    if found is None:
        section.missing.append("marts.offre_structures")
        return section
    if found.empty:
        return section
    year = int(found.annee.iat[0])
    pivot = found.pivot_table(index="territoire_libelle", columns="type_libelle", values="nb_structures",
                              aggfunc="sum", fill_value=0)
    types = list(pivot.columns)
    section.tables.append(Table(
        "Offre par commune", f"Structures ouvertes au 31/12/{year}, par commune et type",
        ["Commune", *types], [[text(commune), *[num(pivot.at[commune, t]) for t in types]] for commune in pivot.index],
        f"Source : inventaire des structures, au 31/12/{year}.",
    ))
    early = found[found.famille == "petite_enfance"].pivot_table(
        index="territoire_libelle", columns="type_libelle", values="nb_structures", aggfunc="sum", fill_value=0)
    if not early.empty:
        section.charts.append(charts.stacked_bars(
            f"Structures petite enfance par commune et type ({year})",
            list(early.index), {t: early[t].tolist() for t in early.columns}, "structures",
            f"Source : inventaire des structures, au 31/12/{year}."))
    return section


def families_by_commune(warehouse: Warehouse) -> Section:
    section = Section("communes", "Allocataires et précarité par commune")
    found = warehouse.frame(
        "indicateurs",
        "select indicateur_code, territoire_niveau, territoire_code, territoire_libelle, annee, valeur, source "
        "from marts.indicateurs "
        "where territoire_niveau = 'commune' and indicateur_code in ('nb_allocataires', 'part_rsa') and valeur is not null")
    if found is None:
        section.missing.append("marts.indicateurs")
        return section
    # The latest year of the territory's communes, taken once DuckDB kept their rows only (a
    # window in the query would run over every commune of a national warehouse first: 0.3 s).
    found = found[found.annee == found.groupby("indicateur_code").annee.transform("max")]
    for code, title, unit in (("nb_allocataires", "Allocataires Caf", "allocataires"),
                              ("part_rsa", "Part des allocataires percevant le RSA", "%")):
        rows = found[found.indicateur_code == code].sort_values("territoire_libelle")
        if rows.empty:
            continue
        year = int(rows.annee.iat[0])
        section.charts.append(charts.bars(
            f"{title} par commune ({year})", [(r.territoire_libelle, r.valeur) for r in rows.itertuples()], unit,
            f"Source : {rows.source.iat[0]}."))
    return section


PERMIS_COLUMNS = [
    ("nb_dossiers_deposes", "Dossiers déposés"), ("nb_logements_visites", "Logements visités"),
    ("nb_autorisations", "Autorisations"), ("nb_refus", "Refus"), ("nb_accords_tacites", "Accords tacites"),
    ("nb_mises_en_conformite_apres_refus", "Mises en conformité après refus"), ("nb_logements_loues", "Logements loués"),
    ("nb_logements_al_avec_autorisation", "Logements avec AL et autorisation"),
    ("nb_logements_al_sans_demande", "Logements avec AL sans demande"),
]


def housing(warehouse: Warehouse, territory: str) -> Section:
    section = Section("logement", "Logement : le permis de louer (axe 10)")
    found = warehouse.frame("permis_louer_communes", "select * from marts.permis_louer_communes "
                            "order by territoire_niveau desc, annee, territoire_libelle")
    if found is None:
        section.missing.append("marts.permis_louer_communes")
        return section
    if found.empty:
        return section
    epci = found[found.territoire_niveau == "epci"]
    section.tables.append(Table(
        "Permis de louer", f"Permis de louer : {territory}, par année",
        ["Année", *[label for _c, label in PERMIS_COLUMNS]],
        [[Cell(int(r.annee), "annee"), *[num(getattr(r, c)) for c, _l in PERMIS_COLUMNS]] for r in epci.itertuples()],
        "Source : dossiers de permis de louer des communes (pseudonymisés) et extrait Caf des aides au logement ; "
        "une année compte les événements datés de cette année.",
    ))
    latest = int(found.annee.max())
    communes = found[(found.territoire_niveau == "commune") & (found.annee == latest)]
    section.tables.append(Table(
        "Permis de louer par commune", f"Permis de louer par commune en {latest}",
        ["Commune", *[label for _c, label in PERMIS_COLUMNS]],
        [[text(r.territoire_libelle), *[num(getattr(r, c), "nombre", r.est_approximatif) for c, _l in PERMIS_COLUMNS]]
         for r in communes.itertuples()],
        "Les effectifs communaux de 1 à 4 sont masqués (–), comme le fait la Caf.",
    ))
    return section


def evaluation(warehouse: Warehouse) -> Section:
    section = Section("evaluation", "Évaluation du plan d'action (annexe 3)")
    found = warehouse.frame("evaluation", "select * from marts.evaluation order by axe, indicateur_code, annee")
    if found is None:
        section.missing.append("marts.evaluation")
        return section
    filled = found[found.statut != "non_renseigne"]
    if filled.empty:
        section.intro = "Aucun indicateur d'évaluation n'est encore renseigné."
        return section
    year = int(filled.annee.max())
    # Each indicator at its latest filled year up to the review's year (else that year).
    latest = (found[(found.annee <= year) & (found.statut != "non_renseigne")]
              .sort_values("annee").groupby("indicateur_code").tail(1))
    shown = pd.concat([latest, found[(found.annee == year) & ~found.indicateur_code.isin(latest.indicateur_code)]])
    shown = shown.sort_values(["axe", "indicateur_code"])
    section.intro = (f"Situation de chaque indicateur à sa dernière année renseignée, au plus tard {year}. Évolution : "
                     "depuis l'année de référence (2021, sauf indication). « en progression » ou « en baisse » décrit le "
                     "sens de la valeur ; le sens attendu figure dans le plan d'action.")
    section.tables.append(Table(
        "Évaluation", f"Indicateurs d'évaluation des 12 axes ({year})",
        ["Axe", "Indicateur", "Année", "Valeur", "Référence", "Année de référence", "Évolution", "Cible", "Statut", "Source"],
        [[Cell(int(r.axe), "annee"), text(r.libelle), Cell(int(r.annee), "annee"),
          num(r.valeur, unit_of(r), r.est_approximatif) if r.nature == "quantitatif" else text(None),
          num(r.valeur_reference, unit_of(r)), Cell(None if pd.isna(r.annee_reference) else int(r.annee_reference), "annee"),
          num(r.evolution_depuis_reference, unit_of(r)), num(r.cible, unit_of(r)),
          text(STATUS_LABELS.get(r.statut, r.statut)), text(r.source)] for r in shown.itertuples()],
        "Sources : colonne « Source » ; fichier de suivi validé en comité de pilotage pour les indicateurs "
        "qu'aucun extrait ne calcule.",
    ))
    counts = shown.groupby(["axe", "statut"]).size().unstack(fill_value=0)
    order = [s for s in STATUS_LABELS if s in counts.columns]
    section.charts.append(charts.stacked_bars(
        f"Statut des indicateurs par axe ({year})", [f"Axe {a}" for a in counts.index],
        {STATUS_LABELS[s]: counts[s].tolist() for s in order}, "indicateurs",
        "Source : marts.evaluation (plan d'action et fichier de suivi).", horizontal=True))
    axes = warehouse.frame("evaluation_axes", "select * from marts.evaluation_axes where annee = ? order by axe", (year,))
    if axes is not None and not axes.empty:
        section.tables.append(Table(
            "Revue par axe", f"Revue annuelle par axe ({year})",
            ["Axe", "Intitulé", "Indicateurs", "Renseignés", "Améliorés", "Non renseignés", "Échéances dépassées"],
            [[Cell(int(r.axe), "annee"), text(r.intitule), num(r.nb_indicateurs), num(r.nb_renseignes),
              num(r.nb_ameliores), num(r.nb_non_renseignes), num(r.nb_echeances_depassees)] for r in axes.itertuples()],
            "Source : marts.evaluation_axes.",
        ))
    return section


def unit_of(row) -> str:
    return {"nombre": "nombre", "pct": "pct", "etp": "etp"}.get(row.unite, "nombre")
