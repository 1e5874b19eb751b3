"""``dagster dev`` as an engineer starts it: through the UI's GraphQL API every asset,
check, schedule and sensor is there, and a backfill over a partition range succeeds."""

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from sandbox.server import SandboxServer
from tests.conftest import Sandbox, sandbox_environment

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
START_SECONDS = 300
BACKFILL_SECONDS = 600

REPOSITORIES = """
{ repositoriesOrError { ... on RepositoryConnection { nodes { name location { name } } } } }
"""
CONTENTS = """
query Contents($selector: RepositorySelector!) {
  repositoryOrError(repositorySelector: $selector) {
    __typename
    ... on Repository {
      assetNodes {
        assetKey { path }
        isPartitioned
        assetChecksOrError { ... on AssetChecks { checks { name blocking } } }
      }
      schedules { name cronSchedule scheduleState { status } }
      sensors { name sensorState { status } }
    }
    ... on PythonError { message }
  }
}
"""
LAUNCH = """
mutation Launch($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on PythonError { message stack }
    ... on Error { message }
  }
}
"""
STATUS = """
query Status($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    ... on PartitionBackfill {
      status
      runs(limit: 10) { runId status }
      assetBackfillData {
        assetBackfillStatuses {
          ... on AssetPartitionsStatusCounts {
            assetKey { path } numPartitionsTargeted numPartitionsMaterialized numPartitionsFailed
          }
        }
      }
    }
  }
}
"""

MATERIALIZED = """
query Materialized($key: AssetKeyInput!) {
  assetOrError(assetKey: $key) {
    ... on Asset { assetMaterializations(limit: 100) { partition runId } }
  }
}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Ui:
    def __init__(self, url: str) -> None:
        self.url = url

    def query(self, text: str, **variables) -> dict:
        response = requests.post(
            f"{self.url}/graphql", json={"query": text, "variables": variables}, timeout=120
        )
        response.raise_for_status()
        body = response.json()
        assert "errors" not in body, body["errors"]
        return body["data"]


@pytest.fixture(scope="module")
def ui(sandbox: Sandbox, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Ui]:
    home = tmp_path_factory.mktemp("dagster_ui_home")
    shutil.copy(ROOT / "orchestration" / "dagster.yaml", home / "dagster.yaml")
    warehouse = tmp_path_factory.mktemp("dagster_ui_warehouse") / "earshot.duckdb"
    port = free_port()
    with SandboxServer(sandbox.data_dir, rate_limits="fast") as twin:
        environment = {
            **os.environ,
            **sandbox_environment(twin.url, warehouse),
            "DAGSTER_HOME": str(home),
        }
        log = (home / "dagster.log").open("w")
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "dagster"),
                "dev",
                "-m",
                "orchestration.definitions",
                "-h",
                "127.0.0.1",
                "-p",
                str(port),
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + START_SECONDS
            while True:
                assert process.poll() is None, (home / "dagster.log").read_text()[-3000:]
                assert time.monotonic() < deadline, "dagster dev did not answer"
                try:
                    if requests.get(f"{url}/server_info", timeout=2).ok:
                        nodes = Ui(url).query(REPOSITORIES)["repositoriesOrError"]["nodes"]
                        if nodes:
                            break
                except requests.RequestException:
                    pass
                time.sleep(2)
            yield Ui(url)
        finally:
            # dagster dev shuts its webserver and daemon down itself when it alone is
            # told to stop; whatever of its group is left after that is killed
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            log.close()


def contents(ui: Ui) -> dict:
    (repository,) = ui.query(REPOSITORIES)["repositoriesOrError"]["nodes"]
    selector = {
        "repositoryName": repository["name"],
        "repositoryLocationName": repository["location"]["name"],
    }
    found = ui.query(CONTENTS, selector=selector)["repositoryOrError"]
    assert found["__typename"] == "Repository", found
    return found


def test_the_ui_shows_every_asset_check_schedule_and_sensor(ui: Ui) -> None:
    from orchestration.definitions import defs

    definitions = defs()
    graph = definitions.resolve_asset_graph()
    found = contents(ui)
    keys = {"/".join(node["assetKey"]["path"]) for node in found["assetNodes"]}
    assert keys == {key.to_user_string() for key in graph.get_all_asset_keys()}
    checks = {
        ("/".join(node["assetKey"]["path"]), check["name"])
        for node in found["assetNodes"]
        for check in (node["assetChecksOrError"] or {}).get("checks", [])
    }
    assert checks == {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert ("raw_shopify/orders", "landing_contract") in checks
    partitioned = {
        "/".join(node["assetKey"]["path"]) for node in found["assetNodes"] if node["isPartitioned"]
    }
    assert {"raw_shopify/orders", "marts/theme_weekly"} <= partitioned
    schedules = {s["name"]: s for s in found["schedules"]}
    assert set(schedules) == {"daily_refresh_schedule", "hourly_voice_load_schedule"}
    assert schedules["daily_refresh_schedule"]["scheduleState"]["status"] == "RUNNING"
    sensors = {s["name"]: s["sensorState"]["status"] for s in found["sensors"]}
    assert sensors == {"csv_exports_landed": "RUNNING", "decisions_recorded": "RUNNING"}


def test_a_backfill_over_a_partition_range_succeeds(ui: Ui) -> None:
    launched = ui.query(
        LAUNCH,
        params={
            "partitionsByAssets": [
                {
                    "assetKey": {"path": ["raw_judgeme", "reviews"]},
                    "partitions": {"range": {"start": "2026-10-28", "end": "2026-10-30"}},
                }
            ],
            "title": "three days of reviews",
        },
    )["launchPartitionBackfill"]
    assert launched["__typename"] == "LaunchBackfillSuccess", launched
    # The daemon launches the backfill's run on its next pass and marks the backfill
    # complete on the pass after (every 30 seconds); the run and what it materialized
    # say whether it succeeded without waiting out that second pass.
    deadline = time.monotonic() + BACKFILL_SECONDS
    while True:
        backfill = ui.query(STATUS, id=launched["backfillId"])["partitionBackfillOrError"]
        runs = {run["status"] for run in backfill["runs"]}
        if backfill["status"] not in ("REQUESTED", "CANCELING", "FAILING") or (
            runs and runs <= {"SUCCESS", "FAILURE", "CANCELED"}
        ):
            break
        assert time.monotonic() < deadline, backfill
        time.sleep(2)
    assert backfill["status"] in ("REQUESTED", "COMPLETED_SUCCESS"), backfill
    (run,) = backfill["runs"]  # three days, one run
    assert run["status"] == "SUCCESS", backfill
    (counts,) = backfill["assetBackfillData"]["assetBackfillStatuses"]
    assert counts["numPartitionsTargeted"] == 3
    events = ui.query(MATERIALIZED, key={"path": ["raw_judgeme", "reviews"]})["assetOrError"]
    days = {e["partition"] for e in events["assetMaterializations"] if e["runId"] == run["runId"]}
    assert days == {"2026-10-28", "2026-10-29", "2026-10-30"}
