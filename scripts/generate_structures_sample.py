"""Generate the sample inventory of structures, its activity and its CAF funding (data/sample/structures/).

The inventory is Annexe 2 of the convention, entry by entry (101 entries in 17 communes and the
SIVU), plus what Annexe 1 and Axe 12 describe and Annexe 2 does not list: the 4 MAM and 3
micro-crèches of §4, the 8 centres sociaux, the EVS and the 2 projects of the AVS section,
Saint-Léonard's coordination post (Axe 12), the 11 CLAS and the 5 projects of creation of the
text, and the youth, REAAP and FPT funding of the text (with the funding file's `nb_actions`). Places, days, occupation, enrolled children and ETP
are those of Annexe 1's per-commune focus; where the convention contradicts itself the sample
follows Annexe 2 and the detailed figures (README, "Where the convention disagrees with itself").
Opening dates are not in the convention: they are made up, deterministic, before 2017.

Written as a coordinator would: French dates, oui/non, decimal commas, `;` separated.

Run: uv run python scripts/generate_structures_sample.py (also run by `make sample`)
"""

from __future__ import annotations

import csv
import hashlib
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "sample" / "structures"
YEARS = range(2017, 2024)

BAINCTHUN, BOULOGNE, CONDETTE, DANNES, EQUIHEN = "62075", "62160", "62235", "62264", "62300"
HESDIGNEUL, HESDIN, ISQUES, LA_CAPELLE, LE_PORTEL = "62446", "62448", "62474", "62908", "62667"
NEUFCHATEL, OUTREAU, ST_ETIENNE, ST_LEONARD, ST_MARTIN = "62604", "62643", "62746", "62755", "62758"
WIMEREUX, WIMILLE = "62893", "62894"
CONTEVILLE = "62237"
PREFIX = {
    BAINCTHUN: "BAI", BOULOGNE: "BOU", CONDETTE: "CON", DANNES: "DAN", EQUIHEN: "EQU", HESDIGNEUL: "HSG",
    HESDIN: "HSA", ISQUES: "ISQ", LA_CAPELLE: "LCA", LE_PORTEL: "LPO", NEUFCHATEL: "NEU", OUTREAU: "OUT",
    ST_ETIENNE: "SEM", ST_LEONARD: "SLE", ST_MARTIN: "SMB", WIMEREUX: "WRX", WIMILLE: "WIL", CONTEVILLE: "CTV",
}

# Annexe 2, in its order: (commune, type, sous_type, nom, adresse, gestionnaire).
ANNEXE_2 = [
    (BAINCTHUN, "ALSH", "extrascolaire", "ALSH Extrascolaire (arrêt du périscolaire en septembre 2020)", "", "municipal"),
    (BOULOGNE, "EAJE", "multi-accueil", "Multi Accueil « La Maison de Célestine »", "Allée Levillain", "municipal"),
    (BOULOGNE, "EAJE", "multi-accueil", "Multi Accueil « Casablanca »", "Place Fémeiland", "municipal"),
    (BOULOGNE, "EAJE", "multi-accueil", "Multi Accueil Les Petits Margats", "90, rue Adolphe Thiers", "municipal"),
    (BOULOGNE, "EAJE", "multi-accueil", "Multi Accueil « Arc en Ciel »", "Rue du Détroit", "municipal"),
    (BOULOGNE, "EAJE", "crèche collective", "Crèche du Chemin Vert", "106, rue du Chemin Vert", "municipal"),
    (BOULOGNE, "EAJE", "crèche familiale", "Crèche Familiale Les Frimousses", "Allée Levillain", "municipal"),
    (BOULOGNE, "LAEP", "", "La Ronde des Petits", "Rue du Détroit", "municipal"),
    (BOULOGNE, "LAEP", "", "Le Monde de Jeanne", "Maison de la Petite Enfance, Allée Levillain", "municipal"),
    (BOULOGNE, "RPE", "", "RPE Célestine", "Allée Levillain", "municipal"),
    (BOULOGNE, "ALSH", "accueil adolescents", "Accueil de la Plage Adolescents", "Promenades du Front de Mer", "municipal"),
    (BOULOGNE, "ALSH", "multi-sites", "Accueil Multi-sites Sud", "Ecole Maternelle Grimm Andersen, Groupe scolaire Perrault la Fontaine", "municipal"),
    (BOULOGNE, "ALSH", "multi-sites", "Accueil Multi-sites Nord", "Groupe scolaire Herriot, Macé, Bucaille, Peletan et maternelle J Rictus", "municipal"),
    (BOULOGNE, "ALSH", "multi-sites", "Centre Social Multi-sites (Espace Détroit et L Blanc)", "4, rue du Détroit", "municipal"),
    (BOULOGNE, "ESPACE_JEUNES", "espace jeunes", "Espace Jeunes Michel Maes", "Allée Flaubert", "municipal"),
    (BOULOGNE, "ALSH", "BAJ", "BAJ Ecole Duruy", "Allée Boieldieu", "municipal"),
    (BOULOGNE, "ALSH", "BAJ", "BAJ Louis Blanc", "4, Allée Boieldieu", "municipal"),
    (BOULOGNE, "ALSH", "BAJ", "BAJ CJC Léon Blum", "Boulevard Chanzy", "municipal"),
    (BOULOGNE, "ALSH", "BAJ", "BAJ Ecole Daudet", "4, Allée Daudet", "municipal"),
    (BOULOGNE, "ALSH", "BAJ", "BAJ Ecole Jehan Rictus", "Allée de Touraine", "municipal"),
    (BOULOGNE, "ALSH", "BAJ", "BAJ Ecole Cary", "Rue Ferdinand Buisson", "municipal"),
    (BOULOGNE, "ALSH", "BAJ", "BAJ Ecole Maternelle Grimm Andersen", "Rue E Branly", "municipal"),
    (BOULOGNE, "ALSH", "BAJ", "BAJ Ecole Dezoteux", "Rue des 2 Ponts", "municipal"),
    (BOULOGNE, "ALSH", "accueil de loisirs", "Ass Ferme Beaurepaire", "Chemin des Sources", "association"),
    (BOULOGNE, "FORMATION_BAFA", "BAFA / BAFD", "Formations BAFA de la Mairie", "", "municipal"),
    (BOULOGNE, "COORDINATION", "enfance", "Coordination Enfance", "", "municipal"),
    (BOULOGNE, "COORDINATION", "jeunesse", "Coordination Jeunesse", "", "municipal"),
    (BOULOGNE, "SEJOURS", "", "Séjours de la Mairie", "", "municipal"),
    (CONDETTE, "ALSH", "été", "ALSH Eté", "Groupe Scolaire Pasteur Centre n°2, Rue des Buissons", "municipal"),
    (CONDETTE, "SEJOURS", "", "Séjours de la Mairie", "", "municipal"),
    (DANNES, "ALSH", "extrascolaire", "ALSH Extra", "Rue de la Mairie", "municipal"),
    (EQUIHEN, "ALSH", "périscolaire et extrascolaire", "ALSH Péri Extra", "Local du Grand Air, Résidence Le Muguet", "municipal"),
    (EQUIHEN, "ALSH", "extrascolaire", "ALSH Extra Groupe Jean Macé", "Rue Edmond de Palezieux", "municipal"),
    (HESDIGNEUL, "ALSH", "accueil de loisirs", "ALSH de la Mairie", "3, Rue de la Poste", "municipal"),
    (HESDIN, "ALSH", "accueil de loisirs", "ALSH de la Mairie, Salle des Associations", "Rue du Vert Giniau", "municipal"),
    (HESDIN, "ALSH", "accueil de loisirs", "ALSH de la Mairie, Ecole Maternelle Blanche Neige", "Rue du Vert Giniau", "municipal"),
    (ISQUES, "ALSH", "extrascolaire", "ALSH Extrascolaire de la Mairie, Ecole Elémentaire « Abel Lombard »", "172, Route Nationale", "municipal"),
    (LA_CAPELLE, "ALSH", "multi-sites (Baincthun depuis septembre 2020)", "ALSH Multisites Centre Socio Culturel", "206, Avenue de la Forêt", "municipal"),
    (LA_CAPELLE, "COORDINATION", "jeunesse", "Poste de Coordination Jeunesse", "", "municipal"),
    (LE_PORTEL, "EAJE", "multi-accueil", "MAC Maison de la Petite Enfance Simone Veil", "2, Rue Lucie Aubrac", "CCAS"),
    (LE_PORTEL, "EAJE", "multi-accueil", "MAC Les Petits Mousses", "Rue Georges Clémenceau", "CCAS"),
    (LE_PORTEL, "LAEP", "", "LAEP de l'AD PEP 62 « La Parenthèse »", "2, Rue Lucie Aubrac", "association"),
    (LE_PORTEL, "RPE", "", "RPE de la Maison de la Petite Enfance Simone Veil", "2, Rue Lucie Aubrac", "CCAS"),
    (LE_PORTEL, "ALSH", "CAJ", "CAJ Descente du Monaclin", "Rue du Monaclin", "municipal"),
    (LE_PORTEL, "ALSH", "CAJ", "CAJ (HIVER) Club House", "Rue de Reims", "municipal"),
    (LE_PORTEL, "ALSH", "accueil de loisirs", "ALSH Carnot", "46, Avenue du Général San Martin", "municipal"),
    (LE_PORTEL, "ALSH", "accueil de loisirs", "ALSH Camus", "Rue des Canadiens", "municipal"),
    (LE_PORTEL, "ALSH", "accueil de loisirs", "ALSH Vallois", "Rue d'Outreau", "municipal"),
    (LE_PORTEL, "ALSH", "accueil de loisirs", "ALSH Calmette", "Rue des Canadiens", "municipal"),
    (LE_PORTEL, "ALSH", "accueil de loisirs", "ALSH Curie", "Rue d'Outreau", "municipal"),
    (LE_PORTEL, "COORDINATION", "enfance", "Coordination Enfance", "", "municipal"),
    (LE_PORTEL, "SEJOURS", "", "Séjours de la Mairie", "", "municipal"),
    (LE_PORTEL, "FORMATION_BAFA", "BAFA / BAFD", "Formations BAFA", "", "municipal"),
    (NEUFCHATEL, "EAJE", "multi-accueil", "Multi Accueil « Le Petit Prince »", "18, Rue St Exupéry", "municipal"),
    (NEUFCHATEL, "ALSH", "accueil de loisirs", "ALSH Groupe scolaire Blériot Dolto", "Rue des Ecoles", "municipal"),
    (NEUFCHATEL, "ALSH", "accueil de loisirs", "ALSH Salle des Loisirs Jean Martin", "Rue des Allées", "municipal"),
    (NEUFCHATEL, "COORDINATION", "jeunesse", "Coordination Jeunesse", "", "municipal"),
    (NEUFCHATEL, "SEJOURS", "", "Séjours de la Mairie", "", "municipal"),
    (OUTREAU, "EAJE", "multi-accueil", "Multi Accueil « Suzanne Lacorre »", "Rue du Biez", "municipal"),
    (OUTREAU, "RPE", "", "RPE d'Outreau", "Maison des Associations, Rue Jean Jaurès", "municipal"),
    (OUTREAU, "ALSH", "périscolaire", "ALSH Péri Ecole Les Tilleuls", "Rue des Tilleuls", "municipal"),
    (OUTREAU, "ALSH", "périscolaire et extrascolaire", "ALSH Péri et Extra Ecole Louise Michel", "Rue des Tilleuls", "municipal"),
    (OUTREAU, "ALSH", "extrascolaire", "ALSH Extra Centre Jean Macé", "Boulevard de la Liberté", "municipal"),
    (OUTREAU, "ALSH", "extrascolaire", "ALSH Extra Centre Kergomard", "Boulevard de la Liberté", "municipal"),
    (OUTREAU, "ALSH", "OMJ", "OMJ Péri et Extra", "70, Boulevard Splingard", "association"),
    (OUTREAU, "SEJOURS", "", "Séjours OMJ", "", "association"),
    (ST_ETIENNE, "ALSH", "CAJ", "CAJ Péri et extra", "Rue du Dessous", "municipal"),
    (ST_ETIENNE, "ALSH", "périscolaire et extrascolaire", "ALSH Péri et Extra des Annexes", "1, Rue Pasteur", "municipal"),
    (ST_ETIENNE, "ALSH", "périscolaire et extrascolaire", "ALSH Péri et Extra du Val d'Ecault", "Rue du Dessous", "municipal"),
    (ST_ETIENNE, "ALSH", "accueil de loisirs", "ALSH Ecault", "Rue des Ecoles", "municipal"),
    (ST_ETIENNE, "ALSH", "périscolaire", "ALSH Péri Olympe", "Maison de Quartier Olympe, 89, Rue Pasteur", "municipal"),
    (ST_LEONARD, "ALSH", "CAJ", "CAJ Péri et Extra Espace Jeunesse", "Avenue des Anciens Combattants", "municipal"),
    (ST_LEONARD, "ALSH", "accueil de loisirs", "Ecole maternelle Aurore", "Avenue Belle Isle", "municipal"),
    (ST_LEONARD, "ALSH", "accueil de loisirs", "Ecole maternelle Dolto", "Avenue des Anciens Combattants", "municipal"),
    (ST_LEONARD, "ALSH", "accueil de loisirs", "Ecole primaire Aurore", "Avenue Belle Isle", "municipal"),
    (ST_MARTIN, "EAJE", "multi-accueil", "Multi Accueil « Les 3 Petits Pas »", "Square Isabelle Nacry", "centre_social"),
    (ST_MARTIN, "EAJE", "multi-accueil", "MAC Maison de la Petite Enfance", "Rue Anne Franck", "centre_social"),
    (ST_MARTIN, "RPE", "", "RPE de St Martin Boulogne", "Rue Anne Franck", "centre_social"),
    (ST_MARTIN, "ALSH", "accueil de loisirs", "Centre Social Eclaté, Maison de Quartier Centre", "Square Isabelle Nacry", "centre_social"),
    (ST_MARTIN, "ALSH", "accueil de loisirs", "Centre Social Eclaté, Maison de Quartier Marlborough", "Rue Anne Franck", "centre_social"),
    (ST_MARTIN, "ALSH", "accueil de loisirs", "Centre Social Eclaté, Ecole Jacques Brel", "Rue des Sources", "centre_social"),
    (ST_MARTIN, "SEJOURS", "", "Séjours du Centre Social", "", "centre_social"),
    (ST_MARTIN, "COORDINATION", "enfance", "Poste de Coordination Enfance", "", "centre_social"),
    (ST_ETIENNE, "EAJE", "multi-accueil", "Multi Accueil « PATT A CHOUX »", "12, Rue de la Gare, BP 25", "SIVU"),
    (ST_ETIENNE, "RPE", "", "RPE « PATT A CHOUX »", "12, Rue de la Gare, BP 25", "SIVU"),
    (WIMEREUX, "EAJE", "multi-accueil", "Multi Accueil « Nougatine »", "4, Rue du Tennis", "municipal"),
    (WIMEREUX, "RPE", "", "RPE « Les Petits Loups »", "4, Rue du Tennis", "municipal"),
    (WIMEREUX, "ALSH", "CAJ", "CAJ Centre Social Bartier", "8, Avenue Foch", "centre_social"),
    (WIMEREUX, "ALSH", "périscolaire et extrascolaire", "ALSH Péri et Extra Centre Social A Bartier", "42, Rue du Baston", "centre_social"),
    (WIMEREUX, "ALSH", "périscolaire et extrascolaire", "ALSH Péri et Extra Ecole A Fournier", "Rue Georges Romain", "centre_social"),
    (WIMEREUX, "ALSH", "périscolaire et extrascolaire", "ALSH Péri et Extra Ecole Fabre d'Eglantine", "Rue du Baston", "centre_social"),
    (WIMEREUX, "ALSH", "accueil de loisirs", "ALSH Ecole Pasteur", "Rue du Baston", "centre_social"),
    (WIMEREUX, "SEJOURS", "", "Séjours du Centre Social", "", "centre_social"),
    (WIMILLE, "ALSH", "accueil de loisirs", "Ecole Maternelle des Fleurs", "2, rue de l'Abbé Cossart", "municipal"),
    (WIMILLE, "ALSH", "accueil de loisirs", "Ecole Maternelle de la Colonne", "Avenue V Hugo", "municipal"),
    (WIMILLE, "ALSH", "accueil de loisirs", "Ecole Michel Dely", "7, Rue du Lieutenant Dely", "municipal"),
    (WIMILLE, "ALSH", "accueil de loisirs", "Complexe Sportif", "70, Rue du Bon Secours", "municipal"),
    (WIMILLE, "ALSH", "accueil de loisirs", "Salle du Sacré Cœur", "Rue du Cimetière", "municipal"),
    (WIMILLE, "ALSH", "accueil de loisirs", "Espace Pilâtre de Rozier", "3, Rue de Lédinghen", "municipal"),
    (WIMILLE, "COORDINATION", "jeunesse", "Coordination Jeunesse de la Mairie", "", "municipal"),
    (WIMILLE, "FORMATION_BAFA", "BAFA / BAFD", "Formations BAFA BAFD", "", "municipal"),
]
# Not in Annexe 2: Annexe 1 §4 (MAM, micro-crèches), Axe 12 (Saint-Léonard's post).
OTHERS = [
    (WIMILLE, "MAM", "", "MAM de Wimille 1", "", "association"),
    (WIMILLE, "MAM", "", "MAM de Wimille 2", "", "association"),
    (BOULOGNE, "MAM", "", "MAM de Boulogne", "", "association"),
    (LE_PORTEL, "MAM", "", "MAM du Portel", "", "association"),
    (ST_MARTIN, "MICRO_CRECHE_PAJE", "", "Micro-crèche de Saint-Martin-Boulogne", "", "entreprise"),
    (BOULOGNE, "MICRO_CRECHE_PAJE", "", "Micro-crèche de Boulogne", "", "entreprise"),
    (BAINCTHUN, "MICRO_CRECHE_PAJE", "", "Micro-crèche de Baincthun", "", "entreprise"),
    (ST_LEONARD, "COORDINATION", "jeunesse", "Coordination Jeunesse", "", "municipal"),
]
# Annexe 1, AVS §3: (commune, type, nom, gestionnaire, agrement, zone, dispositifs, date_ouverture)
SOCIAL_LIFE = [
    (BOULOGNE, "CENTRE_SOCIAL", "Centre Social le Nautilus", "municipal", "AGC", "QPV", "ACF, REAAP, LAEP, CLAS, PS JEUNES, Culture, Numérique", "12/03/2004"),
    (BOULOGNE, "CENTRE_SOCIAL", "Centre Social Ferme Beaurepaire", "association", "AGC", "ZSP", "REAAP, CLAS", "01/09/2008"),
    (ST_MARTIN, "CENTRE_SOCIAL", "Centre Social Marlborough", "association", "AGC", "QPV", "ACF, REAAP, Colo, CLAS, PS JEUNES, Numérique", "01/01/2006"),
    (ST_MARTIN, "CENTRE_SOCIAL", "Centre Social Centre", "association", "AGC", "", "ACF, REAAP, Colo, CLAS, PS JEUNES, Numérique", "01/01/2006"),
    (ST_MARTIN, "CENTRE_SOCIAL", "Centre Social Ostrohove", "association", "AGC", "", "ACF, REAAP, PS JEUNES, Culture, Numérique", "01/01/2006"),
    (WIMEREUX, "CENTRE_SOCIAL", "Centre Socio Culturel Audrey Bartier", "association", "AGC", "", "ACF, REAAP, CLAS, PS JEUNES, Numérique", "15/06/2001"),
    (LE_PORTEL, "CENTRE_SOCIAL", "Centre Social Espace Carnot", "association", "AGC", "QPV", "ACF, REAAP, PS JEUNES, DD, Numérique", "01/01/2010"),
    (OUTREAU, "CENTRE_SOCIAL", "Centre Culturel et Social Jacques Brel", "association", "AGC", "QPV", "ACF, REAAP, CLAS, PS JEUNES, Culture, Numérique", "01/01/1998"),
    (BOULOGNE, "EVS", "Café des Enfants Marelle et Ricochet", "association", "EVS", "", "", "01/01/2019"),
    (BOULOGNE, "CENTRE_SOCIAL", "Espace Maes (préfiguration)", "municipal", "projet", "", "", ""),
    (LE_PORTEL, "EVS", "Espace Henriville (préfiguration)", "association", "projet", "", "", ""),
]

# Since the convention (illustrative, for the evaluation of Annexe 3): Axe 11's micro-crèche,
# RPE and MAM in the north-east communes, Axe 5's EVS in periurban Isques, Axe 12's first
# chargé de coopération. (commune, type, sous_type, nom, gestionnaire, places, etp, opened, agrement)
SINCE_CONVENTION = [
    (LA_CAPELLE, "MICRO_CRECHE_PAJE", "", "Micro-crèche du Nord-Est", "entreprise", 10, "", "05/09/2022", ""),
    (BAINCTHUN, "RPE", "", "RPE du Nord-Est", "municipal", "", "0,5", "01/09/2022", ""),
    (CONTEVILLE, "MAM", "", "MAM de Conteville", "association", 12, "", "09/01/2023", ""),
    (ISQUES, "EVS", "", "Espace de vie sociale d'Isques", "association", "", "", "01/03/2023", "EVS"),
    (BOULOGNE, "COORDINATION", "chargé de coopération CTG", "Chargé de coopération CTG", "municipal", "", "1",
     "01/01/2023", ""),
]
# The rest of département 62 (Annexe 1's AVS table, Pas-de-Calais column: 39 centres sociaux of
# which 36 with a projet famille, 14 EVS in 2017; one more centre social in 2018; 3,341,414 €
# of prestations de service and 1,340,803 € of operating grants): synthetic structures in
# the sample's synthetic communes (62910-62979), the CAB's own excluded.
DEPARTEMENT_CENTRES_SOCIAUX, DEPARTEMENT_ACF, DEPARTEMENT_EVS = 31, 29, 14
DEPARTEMENT_AVS_FUNDING_2017 = {"PS": 334_141_360 - 66_636_100, "AVS": 134_080_260 - 20_339_100}  # cents
# Axe 11: children of the Baincthun micro-crèche by commune of residence (a few from Boulogne).
NORTH_EAST_RESIDENCE = ((BAINCTHUN, 14), (LA_CAPELLE, 6), (CONTEVILLE, 3), (BOULOGNE, 2))

# Annexe 1, youth §3: "11 CLAS dont 3 sur Boulogne"; six are the CLAS of the centres sociaux
# whose dispositifs list one, the other communes are made up. (commune, nom, gestionnaire)
CLAS = [
    (BOULOGNE, "CLAS du Centre Social le Nautilus", "municipal"),
    (BOULOGNE, "CLAS du Centre Social Ferme Beaurepaire", "association"),
    (BOULOGNE, "CLAS de l'Espace Jeunes Michel Maes", "municipal"),
    (ST_MARTIN, "CLAS du Centre Social Marlborough", "association"),
    (ST_MARTIN, "CLAS du Centre Social Centre", "association"),
    (WIMEREUX, "CLAS du Centre Socio Culturel Audrey Bartier", "association"),
    (OUTREAU, "CLAS du Centre Culturel et Social Jacques Brel", "association"),
    (LE_PORTEL, "CLAS de la Ville du Portel", "municipal"),
    (ST_ETIENNE, "CLAS de Saint-Étienne-au-Mont", "municipal"),
    (NEUFCHATEL, "CLAS de Neufchâtel-Hardelot", "municipal"),
    (WIMILLE, "CLAS de Wimille", "municipal"),
]
# Annexe 1, early childhood §5: "projets de créations de 1 MAM, 1 RPE, 3 micro-crèche", still
# projects in the inventory's latest year (`agrement` projet, no dates, the places asked for);
# communes made up. (commune, type, nom, gestionnaire, places)
PROJECTS = [
    (OUTREAU, "MAM", "Projet de MAM d'Outreau", "association", 12),
    (NEUFCHATEL, "RPE", "Projet de RPE de Neufchâtel-Hardelot", "municipal", ""),
    (WIMILLE, "MICRO_CRECHE_PAJE", "Projet de micro-crèche de Wimille", "entreprise", 10),
    (CONDETTE, "MICRO_CRECHE_PAJE", "Projet de micro-crèche de Condette", "entreprise", 10),
    (EQUIHEN, "MICRO_CRECHE_PAJE", "Projet de micro-crèche d'Équihen-Plage", "entreprise", 10),
]
# Annexe 1 "Focus EAJE par commune": places per EAJE (in ANNEXE_2 order), opening days,
# occupation rate (%) and children enrolled. Boulogne: 230 + 29 places, 219 to 250 days
# (mean 233), 2.95 enrolled per place. Le Portel (6.21) and Outreau (2.71) cannot be reached
# with whole children: 342 / 55 = 6.22 and 163 / 60 = 2.72 are the nearest.
EAJE_ACTIVITY = {
    BOULOGNE: ([60, 40, 50, 45, 35, 29], [219, 250, 230, 235, 232, 232], "61,04", [177, 118, 148, 133, 103, 85]),
    LE_PORTEL: ([35, 20], [223, 223], "65,01", [218, 124]),
    NEUFCHATEL: ([22], [220], "71,61", [99]),
    OUTREAU: ([60], [227], "60,8", [163]),
    ST_MARTIN: ([25, 25], [224, 224], "68,59", [80, 80]),
    ST_ETIENNE: ([35], [227], "72,88", [133]),
    WIMEREUX: ([20], [229], "86,72", [113]),
}
MAM_PLACES = {"MAM de Wimille 1": 12, "MAM de Wimille 2": 11, "MAM de Boulogne": 12, "MAM du Portel": 12}
MICRO_PLACES = 10
RPE_ETP = {BOULOGNE: "1,5", ST_ETIENNE: "1", ST_MARTIN: "1", WIMEREUX: "0,64", OUTREAU: "1", LE_PORTEL: "0,6"}
# Axe 12: 7.10 ETP (Boulogne's 2 ETP are its two posts).
COORDINATION_ETP = {BOULOGNE: "1", LA_CAPELLE: "1", LE_PORTEL: "0,3", NEUFCHATEL: "1", ST_MARTIN: "0,5",
                    WIMILLE: "1", ST_LEONARD: "1,3"}
# Annexe 1, AVS table (2017): 666,361 € of prestations de service and 203,391 € of operating grants.
AVS_FUNDING_2017 = {"PS": 666_361, "AVS": 203_391}
# The focus's enrolled children are the latest years'; Annexe 1 §4 counts 1,722 children
# enrolled in EAJE in 2018 (1,774 in the focus): 2017 and 2018 scale each EAJE's down.
ENROLLED_2018 = 1722
# Annexe 1, youth §1: the CAF pays the CAB's youth 1,799,848 € a year, of which 689,752 € of
# prestations de service, 411,283 € of investment grants and 698,813 € of the CEJ's youth part
# (2020 here: the text gives no year), spread over the youth structures (ALSH, espaces jeunes).
YOUTH_FUNDING_2020 = {"PS": 689_752, "INVESTISSEMENT": 411_283, "CEJ": 698_813}
# Youth §3: 52 REAAP actions by 16 porteurs and 1,688 € in 2020; FPT porteurs and projects
# (2017: 11 - 16, 2019: 12 - 18, 2020: 10 - 15, 80 % of them carried by centres sociaux, one
# by a municipality, one by an association). Porteurs are the centres sociaux (in
# SOCIAL_LIFE order), the EVS, associations of Annexe 2 and communes (a line without structure).
REAAP_2020 = {"centres sociaux": [4] * 8, "evs": 3, "associations": [3, 3, 2], "communes": [3, 2, 2, 2], "montant": 1688}
# {year: (projects of each centre social, of the EVS, of Boulogne (the commune), of each association)}
FPT = {2017: ([2, 2, 2, 2, 1, 1, 1, 1], 0, 2, [1, 1]),
       2019: ([2, 2, 2, 2, 2, 1, 1, 1], 1, 2, [1, 1]),
       2020: ([2, 2, 2, 2, 1, 1, 1, 1], 0, 1, [2])}
FPT_EUROS_PER_PROJECT = 2_500  # made up: the convention gives no FPT amount
REAAP_ASSOCIATIONS = ["Ass Ferme Beaurepaire", "OMJ Péri et Extra", "LAEP de l'AD PEP 62 « La Parenthèse »"]
REAAP_COMMUNES = [BOULOGNE, LE_PORTEL, WIMILLE, OUTREAU]

HEADER = ["structure_id", "type", "sous_type", "nom", "adresse", "commune_insee", "gestionnaire", "places", "psu", "etp",
          "date_ouverture", "date_fermeture", "agrement", "zone", "dispositifs", "periscolaire", "mercredi",
          "extrascolaire", "ete"]


def opening_date(key: str) -> str:
    """A made-up but stable opening date between 2000 and 2015 (the convention gives none)."""
    n = int(hashlib.sha256(key.encode()).hexdigest(), 16)
    return f"{1 + n % 28:02d}/{1 + n // 28 % 12:02d}/{2000 + n // 336 % 16}"


def alsh_times(sous_type: str, name: str) -> list[str]:
    text = re.sub(r"\([^)]*\)", "", f"{sous_type} {name}").lower()  # "(arrêt du périscolaire ...)" is a note
    if "été" in text or " eté" in text:
        return ["non", "non", "non", "oui"]
    peri, extra = "péri" in text, "extra" in text
    if not (peri or extra):
        return ["oui", "oui", "oui", "oui"]
    return ["oui" if peri else "non", "oui" if peri else "non", "oui" if extra else "non", "oui" if extra else "non"]


def write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def split(total: int, weights: list[int]) -> list[int]:
    """Whole shares of total in proportion to weights, the rest on the first (amounts, children)."""
    parts = [total * w // sum(weights) for w in weights]
    parts[0] += total - sum(parts)
    return parts


def enrolled_before_focus() -> dict[tuple[str, int], int]:
    """Each EAJE's enrolled children in 2017 and 2018, the focus's scaled to ENROLLED_2018."""
    focus = [(commune, index, n) for commune, (*_, enrolled) in EAJE_ACTIVITY.items() for index, n in enumerate(enrolled)]
    scaled = split(ENROLLED_2018, [n for _c, _i, n in focus])
    return {(commune, index): n for (commune, index, _f), n in zip(focus, scaled, strict=True)}


def youth_and_parenting_funding(inventory: list[list], centres_sociaux: list[str]) -> list[list]:
    """Funding rows (with nb_actions) of the youth structures in 2020, REAAP in 2020, FPT in
    2017, 2019 and 2020: a porteur is a structure, or a commune (a line without structure)."""
    ids = {row[3]: row[0] for row in inventory}
    youth = [row[0] for row in inventory if row[1] in ("ALSH", "ESPACE_JEUNES") and not row[0].startswith("DEP-")]
    rows = []
    for scheme, total in YOUTH_FUNDING_2020.items():
        funded = youth if scheme != "INVESTISSEMENT" else youth[:3]
        rows += [[structure_id, "", 2020, scheme, amount, ""]
                 for structure_id, amount in zip(funded, split(total, [1] * len(funded)), strict=True)]
    evs = ids["Café des Enfants Marelle et Ricochet"]
    associations = [ids[name] for name in REAAP_ASSOCIATIONS]
    porteurs = ([(structure_id, "", n) for structure_id, n in zip(centres_sociaux, REAAP_2020["centres sociaux"], strict=True)]
                + [(evs, "", REAAP_2020["evs"])]
                + [(structure_id, "", n) for structure_id, n in zip(associations, REAAP_2020["associations"], strict=False)]
                + [("", commune, n) for commune, n in zip(REAAP_COMMUNES, REAAP_2020["communes"], strict=True)])
    amounts = split(REAAP_2020["montant"], [n for _s, _c, n in porteurs])
    rows += [[structure_id, commune, 2020, "REAAP", amount, n]
             for (structure_id, commune, n), amount in zip(porteurs, amounts, strict=True)]
    for year, (by_centre, by_evs, by_commune, by_association) in FPT.items():
        porteurs = ([(structure_id, "", n) for structure_id, n in zip(centres_sociaux, by_centre, strict=True)]
                    + ([(evs, "", by_evs)] if by_evs else []) + [("", BOULOGNE, by_commune)]
                    + [(structure_id, "", n) for structure_id, n in zip(associations, by_association, strict=False)])
        rows += [[structure_id, commune, year, "FPT", n * FPT_EUROS_PER_PROJECT, n] for structure_id, commune, n in porteurs]
    return rows


def main() -> None:
    inventory, activity, funding = [], [], []
    enrolled_2018 = enrolled_before_focus()
    counters: dict[tuple[str, str], int] = {}
    eaje_seen: dict[str, int] = {}

    def new_id(commune: str, kind: str) -> str:
        counters[(commune, kind)] = counters.get((commune, kind), 0) + 1
        return f"{PREFIX[commune]}-{kind.replace('_', '')[:6]}-{counters[(commune, kind)]:02d}"

    for commune, kind, sous_type, name, address, manager in ANNEXE_2 + OTHERS:
        structure_id = new_id(commune, kind)
        places = psu = etp = ""
        if kind == "EAJE":
            index = eaje_seen.get(commune, 0)
            eaje_seen[commune] = index + 1
            places_list, days, rate, enrolled = EAJE_ACTIVITY[commune]
            places, psu = places_list[index], "oui"
            for year in YEARS:
                hours = round(places_list[index] * days[index] * 10 * float(rate.replace(",", ".")) / 100)
                activity += [[structure_id, year, "places", places], [structure_id, year, "jours_ouverture", days[index]],
                             [structure_id, year, "taux_occupation", rate],
                             [structure_id, year, "enfants_inscrits",
                              enrolled_2018[(commune, index)] if year <= 2018 else enrolled[index]],
                             [structure_id, year, "heures_realisees", hours],
                             [structure_id, year, "heures_facturees", round(hours * 1.08)]]
        elif kind == "MAM":
            places, psu = MAM_PLACES[name], "non"
        elif kind == "MICRO_CRECHE_PAJE":
            places, psu = MICRO_PLACES, "non"
            if commune == BAINCTHUN:  # Axe 11: children by commune of residence
                for year in YEARS:
                    activity += [[structure_id, year, f"enfants_inscrits_commune_{code}", n]
                                 for code, n in NORTH_EAST_RESIDENCE]
        elif kind in ("RPE", "COORDINATION"):
            etp = RPE_ETP[commune] if kind == "RPE" else COORDINATION_ETP[commune]
            activity += [[structure_id, year, "etp", etp] for year in YEARS]
        times = alsh_times(sous_type, name) if kind == "ALSH" else ["", "", "", ""]
        inventory.append([structure_id, kind, sous_type, name, address, commune, manager, places, psu, etp,
                          opening_date(structure_id), "", "", "", "", *times])
    avs_ids = []
    for commune, kind, name, manager, agrement, zone, dispositifs, opened in SOCIAL_LIFE:
        structure_id = new_id(commune, kind)
        inventory.append([structure_id, kind, "", name, "", commune, manager, "", "", "", opened, "", agrement, zone,
                          dispositifs, "", "", "", ""])
        if kind == "CENTRE_SOCIAL" and agrement == "AGC":
            avs_ids.append(structure_id)
    for commune, kind, sous_type, name, manager, places, etp, opened, agrement in SINCE_CONVENTION:
        structure_id = new_id(commune, kind)
        opening_year = int(opened[-4:])
        inventory.append([structure_id, kind, sous_type, name, "", commune, manager, places,
                          "non" if places else "", etp, opened, "", agrement, "", "", "", "", "", ""])
        if etp:
            activity += [[structure_id, year, "etp", etp] for year in YEARS if year >= opening_year]
        if kind == "MICRO_CRECHE_PAJE":
            activity += [[structure_id, year, f"enfants_inscrits_commune_{code}", n] for year in YEARS
                         if year >= opening_year for code, n in ((LA_CAPELLE, 9), (CONTEVILLE, 4), (BAINCTHUN, 3))]
    for commune, name, manager in CLAS:
        structure_id = new_id(commune, "CLAS")
        inventory.append([structure_id, "CLAS", "", name, "", commune, manager, "", "", "", opening_date(structure_id), "",
                          "", "", "", "", "", "", ""])
    for commune, kind, name, manager, places in PROJECTS:
        inventory.append([new_id(commune, kind), kind, "", name, "", commune, manager, places, "non" if places else "", "",
                          "", "", "projet", "", "", "", "", "", ""])
    funding += youth_and_parenting_funding(inventory, avs_ids)
    departement_ids = []
    for n in range(DEPARTEMENT_CENTRES_SOCIAUX + 1 + DEPARTEMENT_EVS):
        commune = f"629{10 + n % 70:02d}"
        kind = "EVS" if n > DEPARTEMENT_CENTRES_SOCIAUX else "CENTRE_SOCIAL"
        structure_id = f"DEP-{kind.replace('_', '')[:6]}-{n + 1:02d}"
        opened = "01/03/2018" if n == DEPARTEMENT_CENTRES_SOCIAUX else opening_date(structure_id)
        dispositifs = "ACF, REAAP" if n < DEPARTEMENT_ACF else "REAAP"
        inventory.append([structure_id, kind, "", f"{'Espace de vie sociale' if kind == 'EVS' else 'Centre social'} {n + 1}",
                          "", commune, "association", "", "", "", opened, "", "AGC" if kind == "CENTRE_SOCIAL" else "EVS",
                          "", dispositifs, "", "", "", ""])
        if n != DEPARTEMENT_CENTRES_SOCIAUX:
            departement_ids.append(structure_id)
    for scheme, cents in DEPARTEMENT_AVS_FUNDING_2017.items():
        funding += [[structure_id, "", 2017, scheme, f"{amount // 100},{amount % 100:02d}", ""]
                    for structure_id, amount in zip(departement_ids, split(cents, [1] * len(departement_ids)), strict=True)]
    for scheme, total in AVS_FUNDING_2017.items():
        funding += [[structure_id, "", 2017, scheme, f"{amount},00", ""]
                    for structure_id, amount in zip(avs_ids, split(total, [1] * len(avs_ids)), strict=True)]
    write(OUT / "inventaire_structures.csv", HEADER, inventory)
    write(OUT / "activite_structures.csv", ["structure_id", "annee", "mesure", "valeur"], activity)
    write(OUT / "financements_caf.csv", ["structure_id", "commune_insee", "annee", "dispositif", "montant_eur", "nb_actions"],
          funding)
    print(f"{len(inventory)} structures, {len(activity)} activity rows, {len(funding)} funding rows in {OUT}")


if __name__ == "__main__":
    main()
