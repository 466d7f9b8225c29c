"""Write the sample follow-up file of the action plan (SOURCES.md §8) for 2021–2024.

Illustrative figures, not the CAB's: every indicator of the follow-up is filled for each
year except `a9_regard_handicap` (left out, so that the evaluation shows `non_renseigne`);
some qualitative ones are `realise`, others `en_cours`. The file is written the way a
coordinator's spreadsheet exports it: French headers' order, statuses with accents, a decimal
comma, dates of the comité de pilotage as JJ/MM/AAAA.
"""

from __future__ import annotations

import csv
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "data" / "sample" / "suivi"
YEARS = (2021, 2022, 2023, 2024)
COPIL = {2021: "14/12/2021", 2022: "13/12/2022", 2023: "12/12/2023", 2024: "10/12/2024"}

# (axe, objectif, code): one value per year of YEARS.
QUANTITIES = {
    (1, "OG5", "a1_projets_mutualises"): (0, 1, 2, 2),
    (4, "OG3", "a4_jeunes_accompagnes"): (120, 135, 150, 142),
    (4, "OG4", "a4_situations_reperees"): (40, 38, 35, 33),
    (6, "OG3", "a6_conventions_cooperation"): (2, 3, 3, 4),
    (7, "OG5", "a7_projets_collectifs"): (5, 5, 6, 7),
    (8, "OG3", "a8_actions_identifiees"): (18, 24, 31, 35),
    (8, "OG1", "a8_familles_formees"): (60, 95, 130, 150),
    (9, "OG2", "a9_enfants_accompagnes"): (12, 15, 15, 19),
    (9, "OG2", "a9_familles_accompagnees"): (20, 22, 22, 20),
    (11, "OG4", "a11_familles_accompagnees"): (25, 31, 38, 44),
    (11, "OG4", "a11_am_accompagnees"): (8, 9, 11, 12),
}
STATUSES = {
    (2, "OG2", "a2_reseau_rpe_officialise"): ("En cours", "Réalisé", "Réalisé", "Réalisé"),
    (3, "OG1", "a3_bourse_emploi_animateurs"): ("Non démarré", "En cours", "En cours", "En cours"),
    (3, "OG6", "a3_recrutement_echanges"): ("En cours", "En cours", "En cours", "En cours"),
    (5, "OG1", "a5_pole_ressource"): ("En cours", "En cours", "Réalisé", "Réalisé"),
    (8, "OG3", "a8_site_internet"): ("Non démarré", "Non démarré", "En cours", "Réalisé"),
    (8, "OG3", "a8_coordination_actions"): ("En cours", "En cours", "En cours", "En cours"),
    (9, "OG1", "a9_pole_ressource"): ("En cours", "En cours", "En cours", "En cours"),
    (9, "OG3", "a9_coordination_inclusion"): ("Non démarré", "Non démarré", "En cours", "En cours"),
    (12, "OG", "a12_charges_cooperation"): ("En cours", "En cours", "En cours", "Réalisé"),
}
CARRIERS = {1: "Coordination petite enfance", 2: "RPE du territoire", 3: "Coordination jeunesse",
            4: "Coordination jeunesse", 5: "CAB", 6: "Caf", 7: "Fédération des centres sociaux", 8: "CAB",
            9: "CAB", 11: "Communes du Nord-Est", 12: "CAB et Caf"}


def main() -> None:
    rows = []
    for (axe, objective, code), values in QUANTITIES.items():
        rows += [[axe, objective, code, year, value, "", "", CARRIERS[axe], COPIL[year]]
                 for year, value in zip(YEARS, values, strict=True)]
    for (axe, objective, code), statuses in STATUSES.items():
        rows += [[axe, objective, code, year, "", "", status, CARRIERS[axe], COPIL[year]]
                 for year, status in zip(YEARS, statuses, strict=True)]
    rows.sort(key=lambda row: (row[3], row[0], row[2]))
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / "suivi_plan_action.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(["axe", "objectif", "indicateur_code", "annee", "valeur", "commentaire", "statut", "porteur",
                         "valide_copil_le"])
        writer.writerows(rows)
    print(f"{len(rows)} rows in {path}")


if __name__ == "__main__":
    main()
