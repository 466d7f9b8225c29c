"""A failed refresh writes one alert line and calls the webhook of CTG_ALERT_WEBHOOK, a real
HTTP server here; a webhook that does not answer is reported, never raised."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import dagster as dg

from orchestration.alerts import alert
from orchestration.definitions import build_definitions
from orchestration.settings import Settings


def test_the_alert_line_and_the_webhook(monkeypatch):
    received = []

    class Hook(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Hook)
    threading.Thread(target=server.handle_request, daemon=True).start()
    monkeypatch.setenv("CTG_ALERT_WEBHOOK", f"http://127.0.0.1:{server.server_port}/alerte")
    lines = []
    line = alert("rafraîchissement en échec, entrepôt publié inchangé", ["caf_legacy : RSACom2018.csv rejeté"],
                 log=lines.append)
    server.server_close()
    assert lines == [line] and line.startswith("ALERTE ctg : rafraîchissement en échec")
    assert received == [{"texte": line, "resume": "rafraîchissement en échec, entrepôt publié inchangé",
                         "problemes": ["caf_legacy : RSACom2018.csv rejeté"]}]


def test_a_webhook_that_does_not_answer_is_reported(monkeypatch):
    monkeypatch.setenv("CTG_ALERT_WEBHOOK", "http://127.0.0.1:9/nulle-part")  # discard port: refused
    lines = []
    alert("rafraîchissement en échec", [], log=lines.append)
    assert len(lines) == 2 and "n'a pas répondu" in lines[1]


def test_the_code_location_has_the_failure_alert_sensor(tmp_path):
    settings = Settings(landing_dir=tmp_path / "landing", warehouse=tmp_path / "wh" / "ctg.duckdb",
                        territory_epci="246200729")
    sensor = build_definitions(settings).resolve_sensor_def("alerte_echec")
    assert isinstance(sensor, dg.RunStatusSensorDefinition) and sensor.default_status == dg.DefaultSensorStatus.RUNNING
