"""The whole pipeline on a small generated shop: APIs -> raw -> staging -> marts -> published."""

import json
from decimal import Decimal

import duckdb
import pytest

from tests.conftest import Sandbox
from tests.pipeline import PipelineRun

pytestmark = pytest.mark.e2e


def scalar(connection: duckdb.DuckDBPyConnection, sql: str) -> object:
    return connection.execute(sql).fetchone()[0]


def real_order_lines(sandbox: Sandbox) -> list[tuple[dict, dict]]:
    """(order, line) for orders the marts count: not test, not cancelled, with a product."""
    return [
        (order, line)
        for order in sandbox.records("shopify/orders.jsonl")
        if not order["test"] and not order["cancelled_at"]
        for line in order["line_items"]
        if line["product_id"] is not None
    ]


def test_every_step_and_check_succeeds(pipeline_run: PipelineRun) -> None:
    assert pipeline_run.result.success
    evaluations = pipeline_run.result.get_asset_check_evaluations()
    assert len(evaluations) > 30
    failed = [e.check_name for e in evaluations if not e.passed]
    assert failed == []
    loaded = {
        event.asset_key.to_user_string(): event.metadata
        for event in pipeline_run.result.get_asset_materialization_events()
        for event in [event.materialization]
    }
    for raw in ("raw_shopify/orders", "raw_aircall/calls", "raw_judgeme/reviews"):
        assert loaded[raw]["quarantined"].value == 0


def test_the_loads_and_checks_worker_ends_before_dbt_builds(pipeline_run: PipelineRun) -> None:
    """One worker process serves the run's loads and landing checks, and the dbt step ends it
    before dbt starts (dlt's and Great Expectations' memory is not held beside dbt's)."""
    logs = pipeline_run.logs
    started = [i for i, (_, said) in enumerate(logs) if "started the worker process" in said]
    ended = [i for i, (_, said) in enumerate(logs) if "ended the worker process" in said]
    assert len(started) == 1
    assert len(ended) == 1
    assert logs[started[0]][0].startswith("load_")
    dbt_step = logs[ended[0]][0]
    assert "dbt" in dbt_step
    dbt_ran = [
        i for i, (step, said) in enumerate(logs) if step == dbt_step and "dbt command" in said
    ]
    assert dbt_ran
    assert ended[0] < min(dbt_ran)
    worked = [
        i for i, (step, _) in enumerate(logs) if (step or "").startswith(("load_", "landing"))
    ]
    assert max(worked) < ended[0]


def test_the_scheduled_build_runs_data_tests_and_leaves_unit_tests_out(
    pipeline_run: PipelineRun,
) -> None:
    results = json.loads(
        (pipeline_run.warehouse.parent / ".dbt_target" / "run_results.json").read_text()
    )
    assert results["args"]["which"] == "build"
    kinds = {result["unique_id"].split(".")[0] for result in results["results"]}
    assert "test" in kinds and "model" in kinds
    assert "unit_test" not in kinds


def test_raw_tables_hold_every_source_record(pipeline_run: PipelineRun, sandbox: Sandbox) -> None:
    orders = sandbox.records("shopify/orders.jsonl")
    with duckdb.connect(str(pipeline_run.warehouse), read_only=True) as connection:
        assert scalar(connection, "select count(*) from raw_shopify.orders") == len(orders)
        assert scalar(connection, "select count(distinct id) from raw_shopify.orders") == len(
            orders
        )
        assert scalar(connection, "select count(*) from raw_shopify.orders__line_items") == sum(
            len(order["line_items"]) for order in orders
        )
        assert (
            scalar(connection, "select count(*) from raw_aircall.calls")
            == (sandbox.counts["calls"])
        )
        assert (
            scalar(connection, "select count(*) from raw_judgeme.reviews")
            == (sandbox.counts["reviews"])
        )
        money_type = scalar(
            connection,
            "select data_type from information_schema.columns where table_schema = "
            "'raw_shopify' and table_name = 'orders' and column_name = 'total_price'",
        )
        assert money_type == "DECIMAL(18,2)"


def test_staging_views_match_raw(pipeline_run: PipelineRun) -> None:
    pairs = {
        "staging.stg_shopify__orders": "raw_shopify.orders",
        "staging.stg_shopify__order_lines": "raw_shopify.orders__line_items",
        "staging.stg_shopify__refund_lines": "raw_shopify.orders__refunds__refund_line_items",
        "staging.stg_aircall__calls": "raw_aircall.calls",
        "staging.stg_aircall__call_comments": "raw_aircall.calls__comments",
        "staging.stg_judgeme__reviews": "raw_judgeme.reviews",
    }
    with duckdb.connect(str(pipeline_run.warehouse), read_only=True) as connection:
        for staged, raw in pairs.items():
            staged_rows = scalar(connection, f"select count(*) from {staged}")
            assert staged_rows > 0, staged
            assert staged_rows == scalar(connection, f"select count(*) from {raw}"), staged


def test_demand_mart_reconciles_with_the_shop(pipeline_run: PipelineRun, sandbox: Sandbox) -> None:
    lines = real_order_lines(sandbox)
    refunded = {
        refund_line["line_item_id"]: Decimal(str(refund_line["subtotal"]))
        for order in sandbox.records("shopify/orders.jsonl")
        for refund in order["refunds"]
        for refund_line in refund["refund_line_items"]
    }
    units = sum(line["quantity"] for _, line in lines)
    net = sum(
        Decimal(line["price"]) * line["quantity"] - refunded.get(line["id"], Decimal(0))
        for _, line in lines
    )
    with duckdb.connect(str(pipeline_run.warehouse), read_only=True) as connection:
        assert scalar(connection, "select sum(units) from marts.product_demand_weekly") == units
        assert scalar(connection, "select sum(net_revenue) from marts.product_demand_weekly") == net


def test_cohort_mart_counts_each_buying_customer_once(
    pipeline_run: PipelineRun, sandbox: Sandbox
) -> None:
    buyers = {
        order["customer"]["id"]
        for order in sandbox.records("shopify/orders.jsonl")
        if "customer" in order and not order["test"] and not order["cancelled_at"]
    }
    with duckdb.connect(str(pipeline_run.warehouse), read_only=True) as connection:
        month_zero = scalar(
            connection,
            "select sum(active_customers) from marts.customer_cohorts "
            "where months_since_first_order = 0",
        )
        cohort_sizes = scalar(
            connection,
            "select sum(cohort_customers) from (select distinct cohort_month, cohort_customers "
            "from marts.customer_cohorts)",
        )
    assert month_zero == cohort_sizes == len(buyers)


def test_theme_mart_finds_themes_and_shares_add_up(pipeline_run: PipelineRun) -> None:
    with duckdb.connect(str(pipeline_run.warehouse), read_only=True) as connection:
        assert (
            scalar(
                connection,
                "select count(distinct theme) from marts.theme_weekly where mentions > 0",
            )
            >= 10
        )
        worst = scalar(
            connection,
            "select max(abs(total - 1)) from (select week_start, sum(share_of_voice) as total "
            "from marts.theme_weekly group by 1)",
        )
    assert worst < 1e-9


def test_published_copy_holds_the_marts(pipeline_run: PipelineRun) -> None:
    with duckdb.connect(str(pipeline_run.warehouse), read_only=True) as warehouse:
        expected = {
            table: scalar(warehouse, f"select count(*) from marts.{table}")
            for (table,) in warehouse.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
        }
    assert {"theme_weekly", "customer_cohorts", "customers", "voice_vs_silent"} <= set(expected)
    with duckdb.connect(str(pipeline_run.published), read_only=True) as published:
        for table, rows in expected.items():
            assert scalar(published, f"select count(*) from marts.{table}") == rows
        logged = dict(
            published.execute("select table_name, row_count from meta.publications").fetchall()
        )
    assert logged == expected
