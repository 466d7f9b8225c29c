"""Personal data: pseudonymised at ingestion, never quoted in a message.

A source flagged `personal` in the registry (owner names, addresses, dossier numbers of the
permis de louer, for instance) has its identifying columns replaced by a keyed hash
(HMAC-SHA256) before anything is written: the same person or dwelling gets the same token in
every file, and nobody without the key can go back. Addresses are normalised first (case,
accents, spacing, street-type abbreviations), so that "12 r. Victor Hugo" and
"12 RUE VICTOR-HUGO" are one dwelling.

The key comes from the environment (`CTG_PSEUDO_KEY`), never from a file of the project. Without
it, files of a personal source are refused; the bundled sample uses a fixed development key
and says so. Messages about a personal file keep the file, the line, the column and the rule,
never a cell's content; a rejected personal file is not copied into the quarantine.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import unicodedata
from collections.abc import Mapping

import pandas as pd

from ingest.errors import ContractViolation

KEY_VARIABLE = "CTG_PSEUDO_KEY"
# Public on purpose: it only ever pseudonymises the bundled, fictitious sample.
DEVELOPMENT_KEY = b"ctg-echantillon-integre-cle-de-developpement"
MASKED = "(contenu masqué : données personnelles)"

STREET_TYPES = {
    "r": "rue", "bd": "boulevard", "bld": "boulevard", "boul": "boulevard", "av": "avenue", "ave": "avenue",
    "pl": "place", "ch": "chemin", "chem": "chemin", "imp": "impasse", "rte": "route", "all": "allee",
    "sq": "square", "fbg": "faubourg", "faub": "faubourg", "res": "residence", "lot": "lotissement",
    "qu": "quai", "crs": "cours", "pas": "passage", "st": "saint", "ste": "sainte",
}


def key_from_environment(use_sample: bool) -> bytes | None:
    """The pseudonymisation key, or None when personal files must be refused."""
    value = os.environ.get(KEY_VARIABLE, "")
    if value:
        return value.encode("utf-8")
    return DEVELOPMENT_KEY if use_sample else None


def plain(text: str) -> str:
    """Lower case, no accents, punctuation as spaces, single spaces."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", ascii_text.lower()).split())


def normalise_address(text: str) -> str:
    """`12 R. Victor-Hugo` -> `12 rue victor hugo`; `3 bis bd Daunou` -> `3 bis boulevard daunou`."""
    return " ".join(STREET_TYPES.get(word, word) for word in plain(text).split())


NORMALISERS = {"adresse": normalise_address, "texte": plain, "identifiant": lambda text: plain(text).replace(" ", "")}


def token(key: bytes, value: str) -> str:
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


def pseudonymise(frame: pd.DataFrame, identifying: Mapping[str, str], key: bytes) -> pd.DataFrame:
    """Replace each identifying column by the tokens of its normalised values (NULL stays NULL)."""
    result = frame.copy()
    for column, kind in identifying.items():
        normalise = NORMALISERS[kind]
        tokens = [token(key, normalise(str(v))) if pd.notna(v) and str(v).strip() else None for v in frame[column]]
        result[column] = pd.Series(tokens, index=frame.index, dtype="string")
    return result


def redact(violation: ContractViolation, expected_columns: set[str]) -> ContractViolation:
    """The violation without any cell content: what precedes the first quoted value or colon,
    and its column only when it is one the source expects (a file without its header line
    has a row of values as header)."""
    message = violation.message
    cut = min((i for i in (message.find("«"), message.find(" : ")) if i >= 0), default=-1)
    if cut >= 0:
        message = f"{message[:cut].rstrip()} {MASKED}"
    column = violation.column
    if column is not None and column.lower() not in expected_columns:
        column = "(masquée)"
    return ContractViolation(violation.file, violation.rule, message, violation.line, column)
