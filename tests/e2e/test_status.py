"""`ctg status` after the shared sample refresh: the publication, its tables, the files loaded,
the last attempt, and the sources whose newest file is older than their cadence allows."""

from __future__ import annotations

import datetime as dt
import json

from ingest.registry import SOURCE_LIST
from orchestration.cli import main
from orchestration.settings import Settings
from orchestration.status import collect


def test_status_in_french_and_as_json(refreshed, capsys):
    """Other tests may have made a failing attempt on the shared warehouse since: the exit code
    and the text follow the last attempt, whichever it was."""
    landing, warehouse = refreshed
    code = main(["status", "--landing", str(landing), "--warehouse", str(warehouse)])
    text = capsys.readouterr().out
    assert main(["status", "--landing", str(landing), "--warehouse", str(warehouse), "--json"]) == code
    found = json.loads(capsys.readouterr().out)
    attempt = found["derniere_tentative"]
    assert code == (0 if attempt["succes"] else 1)
    assert f"Dernière tentative : {dt.datetime.fromisoformat(attempt['fin']):%d/%m/%Y à %H:%M}, " in text
    assert (", réussie" in text) == attempt["succes"]
    assert not attempt["succes"] or attempt["rapport"].endswith("rapport_ctg.html")
    assert "marts.evaluation : 180 lignes" in text and "Aucune source en retard." in text
    assert "suivi_plan_action : suivi_correction_2024.csv" in text  # the newest file of each source
    sources = {entry["source"] for entry in found["entrees"]}
    assert {"caf_legacy", "structures_inventaire", "permis_louer", "suivi_plan_action"} <= sources
    assert all(len(entry["empreinte"]) == 12 for entry in found["entrees"])
    assert found["archive"]["fichiers"] >= 40 and found["archive"]["contenus_manquants"] == []
    assert f"Archive : {found['archive']['fichiers']} fichier(s) chargé(s)" in text


def test_a_source_is_overdue_when_its_newest_file_is_older_than_its_cadence(refreshed):
    landing, warehouse = refreshed
    settings = Settings(landing_dir=landing.resolve(), warehouse=warehouse, territory_epci="246200729")
    in_two_months = collect(settings, SOURCE_LIST, today=dt.date.today() + dt.timedelta(days=60))
    assert {late["source"] for late in in_two_months["en_retard"]} == {"caf_portail", "permis_louer"}  # monthly
    in_two_years = collect(settings, SOURCE_LIST, today=dt.date.today() + dt.timedelta(days=730))
    assert {late["cadence"] for late in in_two_years["en_retard"]} == {"annuelle", "mensuelle"}
    assert main(["status", "--warehouse", str(warehouse.parent / "absent.duckdb")]) == 2
