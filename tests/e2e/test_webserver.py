"""The Dagster webserver, started as the service starts it (deploy/systemd), serves the asset
graph of the code location through its GraphQL endpoint: every source, the dbt models and
their checks, the publication and the report."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from ingest.registry import SOURCE_LIST

PROJECT_ROOT = Path(__file__).resolve().parents[2]
QUERY = """{ assetNodes { assetKey { path } hasAssetChecks
  assetChecksOrError { ... on AssetChecks { checks { name } } } } }"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def graphql(port: int, query: str) -> dict:
    request = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", data=json.dumps({"query": query}).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_the_webserver_serves_the_asset_graph(tmp_path):
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("telemetry:\n  enabled: false\n", encoding="utf-8")
    port = free_port()
    env = {**os.environ, "DAGSTER_HOME": str(home), "CTG_LANDING_DIR": str(tmp_path / "arrivee"),
           "CTG_WAREHOUSE": str(tmp_path / "entrepot" / "ctg.duckdb"), "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    webserver = Path(sys.executable).with_name("dagster-webserver")
    process = subprocess.Popen([str(webserver), "-h", "127.0.0.1", "-p", str(port), "-m", "orchestration.definitions"],
                               cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/server_info", timeout=5).read()
                break
            except OSError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "the webserver did not answer within 3 minutes"
                time.sleep(1)
        nodes = graphql(port, QUERY)["data"]["assetNodes"]
        keys = {"/".join(node["assetKey"]["path"]) for node in nodes}
        assert {f"raw/{spec.name}" for spec in SOURCE_LIST} <= keys
        assert {"marts/indicateurs", "marts/evaluation", "published/warehouse", "published/rapport"} <= keys
        checks = {("/".join(node["assetKey"]["path"]), check["name"]) for node in nodes if node["hasAssetChecks"]
                  for check in node["assetChecksOrError"].get("checks", [])}
        # Each source's blocking contract check, and the dbt tests as checks of their models.
        assert {(f"raw/{spec.name}", "contrat_du_fichier") for spec in SOURCE_LIST} <= checks
        assert ("marts/evaluation", "unique_combination_evaluation_indicateur_code__annee") in checks
    finally:
        process.terminate()
        process.wait(timeout=30)
