"""Source freshness reads dlt's load stamps: fresh right after a load, stale when loads stop."""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.pipeline import PipelineRun

# reads the marts of the whole pipeline run once per session
pytestmark = pytest.mark.e2e

PROJECT = Path(__file__).resolve().parents[2] / "transform"


def freshness(warehouse: Path, target: Path) -> dict[str, str]:
    """{source.table: status} from ``dbt source freshness`` against ``warehouse``."""
    dbt = Path(sys.executable).with_name("dbt")
    subprocess.run(
        [
            str(dbt),
            "source",
            "freshness",
            "--project-dir",
            str(PROJECT),
            "--profiles-dir",
            str(PROJECT),
            "--target-path",
            str(target),
        ],
        env={**os.environ, "EARSHOT_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"},
        capture_output=True,
        check=False,
    )
    results = json.loads((target / "sources.json").read_text())["results"]
    return {r["unique_id"].split(".", 2)[2]: r["status"] for r in results}


def test_every_source_is_fresh_after_a_load(pipeline_run: PipelineRun) -> None:
    # the run's own `dbt source freshness`, one check per raw asset
    checks = {
        e.asset_key.to_user_string(): e
        for e in pipeline_run.result.get_asset_check_evaluations()
        if e.check_name == "dbt_source_freshness"
    }
    assert {"raw_shopify/orders", "raw_aircall/calls", "raw_judgeme/reviews"} <= set(checks)
    assert [key for key, check in checks.items() if not check.passed] == []
    said = " ".join(check.description for check in checks.values())
    for table in ("shopify.orders", "aircall.calls", "judgeme.reviews"):
        assert f"{table}: pass" in said


def test_a_source_nobody_loaded_for_a_week_is_an_error(
    pipeline_run: PipelineRun, tmp_path: Path
) -> None:
    stale = tmp_path / "earshot.duckdb"
    stale.write_bytes(pipeline_run.warehouse.read_bytes())
    week_ago = "cast(cast(_dlt_load_id as double) - 8 * 86400 as varchar)"
    with duckdb.connect(str(stale)) as connection:
        connection.execute(f"update raw_judgeme.reviews set _dlt_load_id = {week_ago}")
    statuses = freshness(stale, tmp_path / "target")
    assert statuses["judgeme.reviews"] == "error"
    assert statuses["shopify.orders"] == "pass"
