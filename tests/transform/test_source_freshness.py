"""Source freshness reads dlt's load stamps: fresh right after a load, stale when loads stop."""

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from earshot import freshness as source_freshness
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


def test_stale_and_missing_sources_read_as_dbt_source_freshness_reads_them(
    pipeline_run: PipelineRun, tmp_path: Path
) -> None:
    stale = tmp_path / "earshot.duckdb"
    stale.write_bytes(pipeline_run.warehouse.read_bytes())
    days_ago = "cast(cast(_dlt_load_id as double) - {} * 86400 as varchar)"
    with duckdb.connect(str(stale)) as connection:
        # a week without a load errs, two days warn, a table never loaded cannot be read
        connection.execute(f"update raw_judgeme.reviews set _dlt_load_id = {days_ago.format(8)}")
        connection.execute(f"update raw_aircall.calls set _dlt_load_id = {days_ago.format(2)}")
        connection.execute("drop table raw_aircall.transcripts__content__utterances")
        connection.execute("drop table raw_aircall.transcripts")

    by_dbt = freshness(stale, tmp_path / "target")
    manifest = json.loads((PROJECT / "target" / "manifest.json").read_text())
    with duckdb.connect(str(stale), read_only=True) as connection:
        answers = source_freshness.check(
            connection, source_freshness.declared_in(manifest["sources"].values())
        )
    by_earshot = {answer.name: answer.status for answer in answers}

    assert by_dbt["judgeme.reviews"] == "error"
    assert by_dbt["aircall.calls"] == "warn"
    assert by_dbt["shopify.orders"] == "pass"
    # dbt says a table it cannot read is a runtime error in its log, and leaves it
    # out of sources.json; Earshot's check says so too, and fails
    assert "aircall.transcripts" not in by_dbt
    assert by_earshot == {**by_dbt, "aircall.transcripts": "runtime error"}
    ages = {answer.name: answer.age_seconds for answer in answers}
    assert 8 * 86400 < ages["judgeme.reviews"] < 8 * 86400 + 3600
