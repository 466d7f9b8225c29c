"""CAF partner extract (ours): figures the CAF gives partners under the convention (Article 8).

Long format, `;` CSV, one row a figure: `code_commune;annee;variable;valeur`. `valeur` empty =
masked (statistical secrecy). The variables are a closed list (VARIABLES); anything else is
rejected so that a typo never silently drops a figure.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from ingest.csvfile import LINE_COLUMN, map_columns, parse_counts, read_text_table
from ingest.errors import ContractError
from ingest.geo import SPECIAL_CODES, check_known_departements, normalise_commune_codes, reject_duplicates
from ingest.quality import HEADERS_ATTR

VARIABLES = {
    "am_actives": "assistantes maternelles actives",
    "am_actives_55_plus": "assistantes maternelles actives de 55 ans ou plus",
    "am_actives_au_moins_un_mois": "assistantes maternelles actives au moins un mois dans l'année",
    "familles_employeur_am": "familles employeuses d'une assistante maternelle",
    # Pajemploi, monthly means of the year: children cared for, the hours paid for them, the
    # net wages paid (whole euros) and the childminders paid, so that the territory's averages
    # (hours per child, wage per childminder, wage per hour) are rebuilt from sums.
    "enfants_moins6_gardes_am": "enfants de moins de 6 ans gardés par une assistante maternelle",
    "heures_remunerees_am": "heures rémunérées aux assistantes maternelles par mois",
    "salaires_nets_am": "salaires nets versés aux assistantes maternelles par mois (euros)",
    "am_remunerees": "assistantes maternelles rémunérées dans le mois",
    "enfants_moins3_parents_actifs": "enfants de moins de 3 ans dont les parents sont actifs",
    "enfants_moins3_cmg": "enfants de moins de 3 ans bénéficiaires du CMG",
    "enfants_moins3_besoin_garde": "enfants de moins de 3 ans ayant un besoin de garde",
    "enfants_moins3_complement_activite": "enfants de moins de 3 ans dont un parent perçoit le CLCA ou la PreParE",
    "beneficiaires_ppa": "foyers bénéficiaires de la prime d'activité (fichiers de la CAF, avant le portail de 2020)",
    "allocataires_fragiles": "allocataires fragiles",
    "familles_afi": "familles bénéficiaires d'une aide financière individuelle",
    "allocataires_msa": "allocataires MSA",
    "personnes_couvertes_msa": "personnes couvertes MSA",
}
COLUMNS = ["code_commune", "annee", "variable", "valeur"]
FILE_NAME = re.compile(r"^(?:extrait_)?(?:caf_)?partenaires?.*\.csv$", re.IGNORECASE)


def match_file_name(path: Path) -> bool:
    return bool(FILE_NAME.match(path.name))


def looks_like(header: set[str]) -> bool:
    return set(COLUMNS) <= header


def read_partner_extract(path: Path) -> pd.DataFrame:
    """Columns: code_commune, annee, variable, valeur (Int64, NULL when masked), est_special, ligne."""
    table = read_text_table(path, separators=";,")
    columns = map_columns(table, COLUMNS)
    frame = table.frame
    codes = normalise_commune_codes(table, columns["code_commune"])
    check_known_departements(table, codes, columns["code_commune"])
    years = parse_counts(table, "annee", columns["annee"], allow_blank=False)
    variables = frame[columns["variable"]].str.strip().str.lower()
    unknown = ~variables.isin(VARIABLES)
    if unknown.any():
        first = unknown.idxmax()
        raise ContractError.single(
            path, "variable_connue",
            f"variable inconnue « {frame.at[first, columns['variable']]} » (attendues : {', '.join(VARIABLES)})",
            line=int(frame.at[first, LINE_COLUMN]), column=columns["variable"],
        )
    keys = pd.DataFrame({"code": codes, "annee": years, "variable": variables})
    reject_duplicates(table, keys, columns["code_commune"], "chiffre présent deux fois (commune / année / variable)")
    result = pd.DataFrame(
        {
            "code_commune": codes,
            "annee": years.astype("int32"),
            "variable": variables,
            "valeur": parse_counts(table, "valeur", columns["valeur"], allow_blank=True),
            "est_special": codes.isin(SPECIAL_CODES),
            "ligne": frame[LINE_COLUMN],
        }
    )
    result.attrs[HEADERS_ATTR] = {name: columns[name] for name in COLUMNS}
    return result
