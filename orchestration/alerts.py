"""One clear alert line when a refresh fails, and an optional webhook (CTG_ALERT_WEBHOOK: an
HTTP(S) URL receiving a JSON POST, e.g. a chat or monitoring hook). Used by `ctg refresh` and,
for runs launched by the schedule or the sensor, by the `alerte_echec` run-failure sensor."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request

WEBHOOK_VARIABLE = "CTG_ALERT_WEBHOOK"


def alert(summary: str, problems: list[str], log=None) -> str:
    """Write the alert line (to `log`, else stderr) and call the webhook when configured.
    Returns the line. A webhook that fails is reported, never raised: the alert must not hide
    the failure it reports."""
    line = f"ALERTE ctg : {summary}" + (f" — {problems[0]}" if problems else "")
    (log or (lambda text: print(text, file=sys.stderr)))(line)
    url = os.environ.get(WEBHOOK_VARIABLE, "").strip()
    if url:
        payload = json.dumps({"texte": line, "resume": summary, "problemes": problems[:20]}, ensure_ascii=False)
        request = urllib.request.Request(url, data=payload.encode(), headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (the operator's URL)
                response.read()
        except (urllib.error.URLError, OSError, ValueError) as error:
            (log or (lambda text: print(text, file=sys.stderr)))(
                f"ALERTE ctg : le webhook {WEBHOOK_VARIABLE} n'a pas répondu ({error})")
    return line
