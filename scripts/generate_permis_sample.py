"""Generate the sample permis de louer records and CAF housing-allowance extract (data/sample/permis_louer/).

Obviously fictitious owners ("FICTIF Bailleur 0001") and streets ("rue de l'Exemple"), for
the perimeter the convention names: Boulogne-sur-Mer from 2018, Le Portel, Outreau and
Saint-Martin-Boulogne from 2019, to the end of 2023; a few hundred dossiers a year, every
regime and decision, late decisions that became tacit approvals, refusals later brought into
compliance, dwellings let again (their address written another way), pending dossiers at the
end of the extract. The allowance extract lists, every December from 2019, dwellings with
allowance recipients: most were authorised, some only declared, some never applied for.

One file per commune, `;` separated, French dates, as instruction tools export them.

Run: uv run python scripts/generate_permis_sample.py (also run by `make sample`)
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "sample" / "permis_louer"
PERIMETER = {"62160": ("boulogne-sur-mer", 2018, 150), "62667": ("le-portel", 2019, 40),
             "62643": ("outreau", 2019, 45), "62758": ("saint-martin-boulogne", 2019, 50)}
LAST_YEAR = 2023
STREETS = ["rue de l'Exemple", "avenue de l'Essai", "boulevard du Modèle", "place de la Maquette", "impasse du Prototype",
           "rue du Brouillon", "allée de l'Ébauche", "chemin de la Démonstration", "route du Spécimen", "rue Fictive"]
ABBREVIATIONS = {"rue": "r.", "avenue": "av.", "boulevard": "bd", "place": "pl.", "impasse": "imp.", "allée": "all.",
                 "chemin": "ch.", "route": "rte"}
HEADER = ["dossier_id", "regime", "commune_insee", "adresse", "bailleur_nom", "bailleur_type", "typologie", "surface_m2",
          "date_depot", "date_complet", "date_visite", "resultat_visite", "date_decision", "decision", "travaux",
          "date_mise_en_conformite", "date_bail"]


def french(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


def written_otherwise(address: str, rng: random.Random) -> str:
    """The same dwelling as another clerk types it: abbreviated street type, or upper case."""
    number, street = address.split(" ", 1)
    kind, rest = street.split(" ", 1)
    if rng.random() < 0.5 and kind in ABBREVIATIONS:
        return f"{number} {ABBREVIATIONS[kind]} {rest}"
    return f"{number}, {street}".upper()


def one_dossier(rng: random.Random, number: int, commune: str, address: str, year: int, end: date) -> list:
    deposit = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    if deposit > end:
        deposit = end - timedelta(days=rng.randrange(1, 20))
    regime = "DML" if rng.random() < 0.1 else "APML"
    owner = f"FICTIF Bailleur {number:04d}"
    row = {"dossier_id": f"PDL-{commune}-{year}-{number:04d}", "regime": regime, "commune_insee": commune,
           "adresse": address, "bailleur_nom": owner,
           "bailleur_type": "PERSONNE_MORALE" if rng.random() < 0.15 else "PERSONNE_PHYSIQUE",
           "typologie": rng.choice(["T1", "T2", "T2", "T3", "T3", "T4", "T5_PLUS", "CHAMBRE"]),
           "surface_m2": f"{rng.uniform(14, 110):.1f}".replace(".", ","), "date_depot": deposit}
    if regime == "DML":
        row.update(decision="RECEPISSE_DML", date_decision=deposit + timedelta(days=rng.randrange(1, 10)))
        if rng.random() < 0.7:
            row["date_bail"] = row["date_decision"] + timedelta(days=rng.randrange(3, 40))
        return row
    if rng.random() < 0.05:  # never completed
        return row
    complete = deposit + timedelta(days=rng.randrange(0, 25))
    row["date_complet"] = complete
    if rng.random() < 0.75:
        row["date_visite"] = complete + timedelta(days=rng.randrange(2, 20))
        row["resultat_visite"] = rng.choices(["CONFORME", "NON_CONFORME_MINEUR", "NON_CONFORME_MAJEUR", "DANGER"],
                                             [60, 25, 12, 3])[0]
    outcome = rng.choices(["AUTORISATION", "AUTORISATION_SOUS_CONDITIONS", "REFUS", "REJET_IRRECEVABLE",
                           "DESISTEMENT", "ACCORD_TACITE", None], [52, 15, 11, 4, 3, 6, 9])[0]
    late = rng.random() < 0.1  # notified more than a month after the file was complete: a tacit approval
    decided = complete + timedelta(days=rng.randrange(35, 70) if late else rng.randrange(5, 29))
    if outcome == "ACCORD_TACITE":
        row.update(decision=outcome, date_decision=complete + timedelta(days=rng.randrange(31, 45)))
    elif outcome is not None:
        row.update(decision=outcome, date_decision=decided)
    if outcome == "REFUS":
        row["travaux"] = "mise aux normes électriques ; ventilation"
        if "date_visite" not in row:
            row["date_visite"] = complete + timedelta(days=3)
            row["resultat_visite"] = "NON_CONFORME_MAJEUR"
        if rng.random() < 0.5:
            row["date_mise_en_conformite"] = decided + timedelta(days=rng.randrange(60, 240))
    if outcome in ("AUTORISATION", "AUTORISATION_SOUS_CONDITIONS", "ACCORD_TACITE") and rng.random() < 0.8:
        row["date_bail"] = (row.get("date_decision") or complete) + timedelta(days=rng.randrange(5, 60))
    return row


def main() -> None:
    rng = random.Random(2018)
    end = date(LAST_YEAR, 12, 31)
    number = 0
    let_addresses: dict[str, list[tuple[str, str]]] = {}  # commune -> (address as first written, outcome)
    never_applied: dict[str, list[str]] = {}
    for commune, (name, start, per_year) in PERIMETER.items():
        rows = []
        pool = [f"{n} {street}" for street in STREETS for n in range(1, 160)]
        rng.shuffle(pool)
        never_applied[commune] = pool[:25]  # let with allowance, never applied for
        dwellings = pool[25:]
        for year in range(start, LAST_YEAR + 1):
            for _ in range(per_year + rng.randrange(-10, 10)):
                number += 1
                if let_addresses.get(commune) and rng.random() < 0.15:  # a dwelling let again
                    first, _outcome = rng.choice(let_addresses[commune])
                    address = written_otherwise(first, rng)
                else:
                    address = dwellings.pop()
                row = one_dossier(rng, number, commune, address, year, end)
                let_addresses.setdefault(commune, []).append((address, row.get("decision") or ""))
                rows.append(row)
        rows.sort(key=lambda r: r["date_depot"])
        with (OUT / f"permis_louer_{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, delimiter=";", lineterminator="\n")
            writer.writerow(HEADER)
            for row in rows:
                # Exported on 31/12/2023: what would happen later is not in the file yet.
                later = [c for c in HEADER if c.startswith("date_") and row.get(c) and row[c] > end]
                if "date_decision" in later:
                    row.pop("decision", None)
                for column in later:
                    row.pop(column)
                writer.writerow([french(row.get(c)) if c.startswith("date_") else row.get(c, "") for c in HEADER])
    allowance = []
    for year in range(2019, LAST_YEAR + 1):
        for commune, dossiers in let_addresses.items():
            for address, outcome in dossiers:
                if outcome and rng.random() < 0.45:
                    allowance.append([written_otherwise(address, rng) if rng.random() < 0.3 else address, commune, year,
                                      rng.choice([1, 1, 1, 2])])
            for address in never_applied[commune][: 10 + (year - 2019) * 3]:
                allowance.append([address, commune, year, 1])
        # Communes outside the perimeter: allowance recipients, no permis to match.
        allowance += [[f"{n} rue du Témoin", "62893", year, 1] for n in range(1, 8)]
    with (OUT / "allocations_logement_adresses.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(["adresse", "commune_insee", "annee", "foyers_al"])
        writer.writerows(sorted(allowance, key=lambda r: (r[2], r[1])))
    print(f"{number} dossiers, {len(allowance)} allowance rows in {OUT}")


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    main()
