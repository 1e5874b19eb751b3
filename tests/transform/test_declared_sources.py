"""Staging reads declared columns: a missing column is null, a missing table or a source
switched off reads empty, whatever the warehouse holds."""

from __future__ import annotations

from pathlib import Path

import duckdb

from sandbox import harness

STAGING = ["stg_aircall__calls", "stg_aircall__transcript_utterances", "stg_shopify__orders"]


def staged(warehouse: Path, variables: str = "{}") -> dict[str, list[tuple]]:
    harness.dbt(warehouse, "run", "--select", *STAGING, "--vars", variables)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            "calls": con.execute(
                "select call_id, agent_name from staging.stg_aircall__calls"
            ).fetchall(),
            "utterances": con.execute(
                "select count(*) from staging.stg_aircall__transcript_utterances"
            ).fetchall(),
            "orders": con.execute(
                "select order_id, total_line_items_price, cancel_reason "
                "from staging.stg_shopify__orders"
            ).fetchall(),
        }


def test_missing_columns_and_tables_read_as_nulls_and_empty_and_a_var_switches_a_source_off(
    tmp_path: Path,
) -> None:
    warehouse = tmp_path / "earshot.duckdb"
    with duckdb.connect(str(warehouse)) as con:
        # raw tables as dlt leaves them for a shop that never filled the optional fields:
        # no user on any call, no cancel_reason or total_line_items_price, no transcripts
        con.execute("create schema raw_aircall")
        con.execute(
            "create table raw_aircall.calls as select 1 as id, 'inbound' as direction, "
            "1700000000 as started_at, '1' as _dlt_load_id"
        )
        con.execute("create schema raw_shopify")
        con.execute(
            "create table raw_shopify.orders as select 7 as id, "
            "timestamptz '2025-01-01 10:00:00+00' as created_at, "
            "timestamptz '2025-01-01 10:00:00+00' as updated_at, 12.5 as total_price, "
            "'1' as _dlt_load_id"
        )
    detected = staged(warehouse)
    assert detected == {"calls": [(1, None)], "utterances": [(0,)], "orders": [(7, None, None)]}
    switched_off = staged(warehouse, "{earshot_using_aircall: false}")
    assert switched_off["calls"] == []
    assert switched_off["orders"] == [(7, None, None)]
