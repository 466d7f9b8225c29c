"""A fake source holding personal data (dossiers with owner names, addresses and dossier
numbers), added to the registry's sources for the shared end-to-end refresh."""

from __future__ import annotations

import pandas as pd

from ingest.csvfile import map_columns, parse_counts, read_text_table
from ingest.geo import normalise_commune_codes, reject_duplicates
from ingest.quality import rule
from ingest.registry import SOURCE_LIST, SourceSpec, by_years, named

COLUMNS = ["numero_dossier", "proprietaire", "adresse", "code_commune", "annee", "logements"]
HEADER = ";".join(COLUMNS)
GOOD = f"""{HEADER}
PDL-2023-0042;DUPONT Marcel;12 rue des Lilas;62160;2023;2
PDL-2023-0043;Dupont marcel;12 R. des lilas;62160;2023;1
PDL-2023-0044;LEFEBVRE Jeanne;3 bd Daunou;62643;2023;4
"""
DUPLICATE = f"""{HEADER}
PDL-2024-0051;MARTIN Sophie;7 avenue Kennedy;62160;2024;1
PDL-2024-0051;MARTIN Sophie;7 avenue Kennedy;62160;2024;1
"""
SHIFTED = f"""{HEADER}
PDL-2024-0077;62160;2024;BERNARD Lucien;1;2
"""
TOO_MANY = f"""{HEADER}
PDL-2025-0101;ROUSSEL Claire;9 impasse des Mouettes;62160;2025;400
"""
CLEAR_VALUES = ["PDL-2023-0042", "DUPONT", "Dupont", "Lilas", "lilas", "LEFEBVRE", "Daunou", "PDL-2024-0051", "MARTIN",
                "Kennedy", "PDL-2024-0077", "BERNARD", "PDL-2025-0101", "ROUSSEL", "Mouettes"]


def read_dossiers(extract) -> pd.DataFrame:
    table = read_text_table(extract.path)
    columns = map_columns(table, COLUMNS)
    reject_duplicates(table, table.frame[[columns["numero_dossier"]]], columns["numero_dossier"], "dossier présent deux fois")
    return pd.DataFrame({
        "numero_dossier": table.frame[columns["numero_dossier"]],
        "proprietaire": table.frame[columns["proprietaire"]],
        "adresse": table.frame[columns["adresse"]],
        "code_commune": normalise_commune_codes(table, columns["code_commune"]),
        "annee": parse_counts(table, "annee", columns["annee"], allow_blank=False),
        "logements": parse_counts(table, "logements", columns["logements"], allow_blank=False),
        "ligne": table.frame["_ligne"],
    })


FAKE_PERSONAL = SourceSpec(
    name="dossiers_fictifs",
    label="Dossiers fictifs (test)",
    description="Source personnelle fictive des tests.",
    columns=("numero_dossier varchar, proprietaire varchar, adresse varchar, code_commune varchar not null, "
             "annee integer not null, logements bigint, ligne bigint not null"),
    recognise=named("dossiers_fictifs", lambda path: path.name.startswith("dossiers_fictifs")),
    read=read_dossiers,
    unit=by_years("dossiers"),
    suite=lambda _e, _frame: [rule("logements_plausibles", "nombre de logements invraisemblable",
                                   "ExpectColumnValuesToBeBetween", column="logements", min_value=0, max_value=50)],
    personal=True,
    identifying={"numero_dossier": "identifiant", "proprietaire": "texte", "adresse": "adresse"},
)
SOURCES_WITH_PERSONAL = [*SOURCE_LIST, FAKE_PERSONAL]
