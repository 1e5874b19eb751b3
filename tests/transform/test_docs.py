"""`dbt docs generate` works, and every mart and every mart column is described."""

from __future__ import annotations

import json
import shutil

import pytest

from sandbox import harness
from tests.dashboards.test_exposures import PAGES, marts_read
from tests.pipeline import PipelineRun

# reads the marts of the whole pipeline run once per session
pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def docs(pipeline_run: PipelineRun, tmp_path_factory: pytest.TempPathFactory) -> dict:
    # a copy, so dbt's target files land beside it and not in the suite's warehouse folder
    warehouse = tmp_path_factory.mktemp("docs") / "earshot.duckdb"
    shutil.copy(pipeline_run.warehouse, warehouse)
    harness.dbt(warehouse, "docs", "generate")
    target = warehouse.parent / "dbt_target"
    return {
        "manifest": json.loads((target / "manifest.json").read_text()),
        "catalog": json.loads((target / "catalog.json").read_text()),
    }


def test_every_mart_and_column_is_described(docs: dict) -> None:
    manifest, catalog = docs["manifest"], docs["catalog"]
    marts = {
        key: node
        for key, node in manifest["nodes"].items()
        if node["resource_type"] == "model" and node["schema"] == "marts"
    }
    named = {
        "voice_mentions",
        "theme_weekly",
        "non_purchase_reasons",
        "language_gap",
        "customers",
        "customer_cohorts",
        "voice_vs_silent",
        "call_outcomes_weekly",
        "call_queue",
        "product_demand_weekly",
        "product_requests",
        "demand_signals",
        "demand_forecast",
        "forecast_backtest",
    }
    assert named <= {node["name"] for node in marts.values()}
    undescribed = [node["name"] for node in marts.values() if not node["description"].strip()]
    assert undescribed == []
    missing = []
    for key, node in marts.items():
        built_columns = catalog["nodes"][key]["columns"]
        described = {
            name.lower()
            for name, column in node["columns"].items()
            if column.get("description", "").strip()
        }
        missing += [f"{node['name']}.{c}" for c in built_columns if c.lower() not in described]
    assert missing == []


def test_dashboards_are_exposures_on_the_marts_they_read(docs: dict) -> None:
    exposures = docs["manifest"]["exposures"].values()
    read = {
        exposure["name"]: {ref.split(".")[-1] for ref in exposure["depends_on"]["nodes"]}
        for exposure in exposures
    }
    pages = sorted(p for p in PAGES.glob("*.py") if p.name != "__init__.py")
    assert read == {f"{page.stem}_dashboard": marts_read(page) for page in pages}


def test_every_model_and_seed_is_described_with_typed_columns(docs: dict) -> None:
    """What the Dagster UI shows for each dbt asset: a description, and each column's type."""
    nodes = [
        node
        for node in docs["manifest"]["nodes"].values()
        if node["resource_type"] in ("model", "seed")
    ]
    assert nodes
    assert [n["name"] for n in nodes if not n.get("description")] == []
    untyped = [
        f"{n['name']}.{c['name']}"
        for n in nodes
        for c in n["columns"].values()
        if not c.get("data_type")
    ]
    assert [n["name"] for n in nodes if not n["columns"]] == []
    assert untyped == []


def test_declared_column_types_are_what_the_build_made(pipeline_run: PipelineRun, capsys) -> None:
    from earshot import column_types

    assert column_types.main(["--warehouse", str(pipeline_run.warehouse), "--check"]) == 0, (
        capsys.readouterr().out
    )
