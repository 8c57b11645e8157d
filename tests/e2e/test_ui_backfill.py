"""A real backfill, as a data engineer launches it from the UI: webserver + daemon + GraphQL.

The PIB snapshot's three days are backfilled through `launchPartitionBackfill`; the backfill
daemon must turn them into exactly ONE run (single-run backfill policy), and the run's
materialisations must carry the per-partition metadata.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import httpx
import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

LAUNCH = """mutation($p: LaunchBackfillParams!) { launchPartitionBackfill(backfillParams: $p) {
  __typename ... on LaunchBackfillSuccess { backfillId } ... on PythonError { message stack } } }"""
STATUS = """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
  __typename ... on PartitionBackfill { id status } ... on PythonError { message } } }"""
RUNS = """query($id: String!) { runsOrError(filter: {tags: [{key: "dagster/backfill", value: $id}]}) {
  __typename ... on Runs { results { runId status tags { key value } } } } }"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_backfill_from_the_ui_runs_as_one_run(tmp_path, monkeypatch):
    home = tmp_path / "dagster_home"
    home.mkdir()
    shutil.copy(REPO / "dagster.yaml", home / "dagster.yaml")
    # create the SQLite storage before the servers start: a webserver and a daemon that both
    # find an empty home race to create the same tables ("more than one head present")
    with dg.DagsterInstance.from_config(str(home)):
        pass
    env = {
        **os.environ,
        "DAGSTER_HOME": str(home),
        "CMW_HTTP_MODE": "replay",
        "CMW_WAREHOUSE": str(tmp_path / "w.duckdb"),
        "CMW_READER": str(tmp_path / "r.duckdb"),
        "CMW_RAW_DIR": str(tmp_path / "raw"),
    }
    port = _free_port()
    logs = [open(tmp_path / "webserver.log", "w"), open(tmp_path / "daemon.log", "w")]  # noqa: SIM115
    procs = [
        subprocess.Popen(
            [
                BIN / "dagster-webserver",
                "-m",
                "pipelines.definitions",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            cwd=REPO,
            env=env,
            stdout=logs[0],
            stderr=subprocess.STDOUT,
        ),
        subprocess.Popen(
            [BIN / "dagster-daemon", "run", "-m", "pipelines.definitions"],
            cwd=REPO,
            env=env,
            stdout=logs[1],
            stderr=subprocess.STDOUT,
        ),
    ]
    url = f"http://127.0.0.1:{port}/graphql"

    def gql(query: str, variables: dict) -> dict:
        r = httpx.post(url, json={"query": query, "variables": variables}, timeout=60)
        r.raise_for_status()
        body = r.json()
        assert "errors" not in body, body
        return body["data"]

    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/server_info", timeout=2).is_success:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        else:
            pytest.fail("webserver did not start: " + (tmp_path / "webserver.log").read_text())

        launched = gql(
            LAUNCH,
            {
                "p": {
                    "partitionsByAssets": [
                        {
                            "assetKey": {"path": ["pib_release"]},
                            "partitions": {"range": {"start": "2025-11-25", "end": "2025-11-27"}},
                        }
                    ],
                    "title": "e2e",
                }
            },
        )["launchPartitionBackfill"]
        assert launched["__typename"] == "LaunchBackfillSuccess", launched
        backfill_id = launched["backfillId"]

        status = None
        deadline = time.time() + 300
        while time.time() < deadline:
            status = gql(STATUS, {"id": backfill_id})["partitionBackfillOrError"]["status"]
            if status not in ("REQUESTED", "CANCELING", "FAILING"):
                break
            time.sleep(3)
        runs = gql(RUNS, {"id": backfill_id})["runsOrError"]["results"]
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
        for f in logs:
            f.close()

    daemon_log = (tmp_path / "daemon.log").read_text()
    assert status and status.startswith("COMPLETED"), (status, runs, daemon_log[-3000:])
    assert len(runs) == 1, runs  # three partitions, one run
    assert runs[0]["status"] == "SUCCESS", runs
    tags = {t["key"]: t["value"] for t in runs[0]["tags"]}
    assert tags["dagster/asset_partition_range_start"] == "2025-11-25"
    assert tags["dagster/asset_partition_range_end"] == "2025-11-27"

    con = duckdb.connect(str(tmp_path / "w.duckdb"), read_only=True)
    per_day = dict(
        con.execute("SELECT release_date::VARCHAR, count(*) FROM pib_release GROUP BY 1").fetchall()
    )
    con.close()
    assert set(per_day) == {"2025-11-25", "2025-11-26", "2025-11-27"}
    assert sum(per_day.values()) == 44

    monkeypatch.setenv("DAGSTER_HOME", str(home))
    with dg.DagsterInstance.get() as instance:
        event = instance.get_latest_materialization_event(dg.AssetKey("pib_release"))
    assert event is not None
    md = event.asset_materialization.metadata
    for key in (
        "listed",
        "candidates",
        "fetched",
        "parsed",
        "failed",
        "requests_replayed",
        "bytes",
    ):
        assert key in md, key
