"""Records flattened by DuckDB: column names, child tables, types, and reasons for refusals."""

from datetime import UTC, datetime
from decimal import Decimal

import duckdb
import orjson
import pyarrow as pa
import pytest

from ingestion import columnar
from ingestion.columnar import Child, Layout, Spool, declared_problem

LAYOUT = Layout(
    root="orders",
    columns={
        "id": {"data_type": "bigint"},
        "total_price": {"data_type": "decimal", "precision": 18, "scale": 2},
        "updated_at": {"data_type": "timestamp"},
        "customer__id": {"data_type": "bigint"},
        "tax_lines": {"data_type": "json"},
    },
    children=(
        Child(
            ("line_items",),
            primary_key=("id",),
            columns={
                "price": {"data_type": "decimal", "precision": 18, "scale": 2},
                "price_set": {"data_type": "json"},
            },
        ),
        Child(("refunds",), primary_key=("id",)),
        Child(("refunds", "refund_line_items"), primary_key=("id",)),
    ),
)


def order(number: int, **fields) -> dict:
    return {
        "id": number,
        "total_price": "12.50",
        "updated_at": "2025-03-30T01:30:00+01:00",
        "customer": {"id": 7, "default_address": {"city": "Leeds"}},
        "tax_lines": [{"rate": 0.2}],
        "line_items": [
            {"id": number * 10, "order_id": number, "price": "12.50", "price_set": {"a": 1}}
        ],
        "refunds": [],
        **fields,
    }


def tables_of(spool: Spool) -> dict[str, pa.Table]:
    batches: dict[str, list[pa.RecordBatch]] = {}
    for table, batch in spool.tables():
        batches.setdefault(table, []).append(batch)
    return {table: pa.Table.from_batches(parts) for table, parts in batches.items()}


@pytest.fixture
def spool():
    made = Spool(LAYOUT)
    yield made
    made.close()
    assert not made.folder.exists(), "the scratch folder goes with the spool"


def test_objects_flatten_to_dlt_names_and_lists_become_tables(spool: Spool) -> None:
    refund = {"id": 5, "order_id": 2, "created_at": "2025-04-01T10:00:00-04:00"}
    refund["refund_line_items"] = [{"id": 50, "line_item_id": 20, "order_id": 2}]
    spool.add([order(1), order(2, refunds=[refund])])
    tables = tables_of(spool)

    assert set(tables) == {
        "orders",
        "orders__line_items",
        "orders__refunds",
        "orders__refunds__refund_line_items",
    }
    orders = tables["orders"].to_pylist()
    assert {row["id"] for row in orders} == {1, 2}
    first = orders[0]
    assert first["customer__id"] == 7
    assert first["customer__default_address__city"] == "Leeds"
    assert first["total_price"] == Decimal("12.50")
    assert first["updated_at"] == datetime(2025, 3, 30, 0, 30, tzinfo=UTC)
    assert first["tax_lines"] == '[{"rate":0.2}]'
    assert "line_items" not in first and "refunds" not in first

    lines = tables["orders__line_items"].to_pylist()
    assert [(line["id"], line["order_id"], line["price"]) for line in lines] == [
        (10, 1, Decimal("12.50")),
        (20, 2, Decimal("12.50")),
    ]
    assert lines[0]["price_set"] == '{"a":1}'
    assert tables["orders__refunds"].to_pylist()[0]["created_at"] == datetime(
        2025, 4, 1, 14, 0, tzinfo=UTC
    )
    assert "refund_line_items" not in tables["orders__refunds"].column_names
    assert tables["orders__refunds__refund_line_items"].to_pylist() == [
        {"id": 50, "line_item_id": 20, "order_id": 2}
    ]


def test_undeclared_text_becomes_a_timestamp_only_when_every_value_reads_as_one(
    spool: Spool,
) -> None:
    spool.add(
        [
            order(1, closed_at="2025-01-01T00:00:00Z", cancel_at="tomorrow"),
            order(2, closed_at=None, cancel_at="2025-01-01T00:00:00Z"),
        ]
    )
    orders = tables_of(spool)["orders"]
    assert pa.types.is_timestamp(orders.schema.field("closed_at").type)
    assert pa.types.is_string(orders.schema.field("cancel_at").type)
    assert orders.to_pylist()[0]["cancel_at"] == "tomorrow"


def test_a_type_the_sample_missed_is_read_again_from_all_records(
    spool: Spool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(columnar, "SAMPLE_ROWS", 5)
    spool.add([order(n, source_identifier=n) for n in range(1, 21)])
    spool.add([order(21, source_identifier="pos-terminal-3")])
    orders = tables_of(spool)["orders"].to_pylist()
    # numbers and text in one field: kept as JSON text, every value intact
    kept = {row["id"]: orjson.loads(row["source_identifier"]) for row in orders}
    assert kept == {**{n: n for n in range(1, 21)}, 21: "pos-terminal-3"}


def test_an_empty_spool_yields_nothing(spool: Spool) -> None:
    assert tables_of(spool) == {}


def test_lists_that_never_hold_objects_make_no_table(spool: Spool) -> None:
    spool.add([order(1, line_items=[])])
    assert set(tables_of(spool)) == {"orders"}


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"customer": {"id": "seven"}}, "customer.id: expected an integer, got str"),
        (
            {"line_items": [{"id": 1, "price": "1.00"}, {"id": 2, "price": "twelve"}]},
            "line_items[1].price: expected a decimal amount, got 'twelve'",
        ),
        (
            {"refunds": [{"id": 1, "refund_line_items": ["not an object"]}]},
            "refunds[0].refund_line_items[0]: expected an object, got str",
        ),
        ({"updated_at": "last Tuesday"}, "updated_at: Invalid isoformat string: 'last Tuesday'"),
    ],
)
def test_values_a_cast_would_refuse_are_named_with_where_they_sit(change, reason) -> None:
    assert declared_problem(order(1, **change), LAYOUT) == reason


def test_a_record_within_its_types_has_no_problem() -> None:
    assert declared_problem(order(1, customer=None, line_items=None), LAYOUT) is None


def test_a_child_missing_a_field_it_must_carry_is_named() -> None:
    layout = Layout(
        root="calls",
        columns={"id": {"data_type": "bigint"}},
        children=(Child(("tags",), primary_key=("call_id", "name"), required=("name",)),),
    )
    call = {"id": 1, "tags": [{"name": "support"}, {"id": 7}]}
    assert declared_problem(call, layout) == "tags[1].name: required field is missing"
    assert declared_problem({"id": 1, "tags": [{"name": "support"}]}, layout) is None


def test_a_record_read_twice_keeps_its_later_version_and_only_its_children(
    spool: Spool,
) -> None:
    edited = order(1, total_price="20.00")
    edited["line_items"] = [{"id": 11, "order_id": 1, "price": "20.00", "price_set": {}}]
    spool.add([order(1), order(2)])
    spool.add([edited])
    tables = tables_of(spool)

    orders = {row["id"]: row["total_price"] for row in tables["orders"].to_pylist()}
    assert orders == {1: Decimal("20.00"), 2: Decimal("12.50")}
    lines = sorted(row["id"] for row in tables["orders__line_items"].to_pylist())
    assert lines == [11, 20]


def test_a_child_list_repeating_a_key_keeps_its_last_element(spool: Spool) -> None:
    repeated = order(3)
    repeated["line_items"] = [
        {"id": 30, "order_id": 3, "price": "1.00", "price_set": {}},
        {"id": 30, "order_id": 3, "price": "2.00", "price_set": {}},
    ]
    spool.add([repeated])

    lines = tables_of(spool)["orders__line_items"].to_pylist()

    assert [(row["id"], row["price"]) for row in lines] == [(30, Decimal("2.00"))]


def test_the_spool_holds_duckdb_to_the_memory_earshot_is_given(
    spool: Spool, monkeypatch: pytest.MonkeyPatch
) -> None:
    spool.add([order(1)])
    monkeypatch.setenv("EARSHOT_DUCKDB_MEMORY_LIMIT", "a lot")

    with pytest.raises(ValueError, match="EARSHOT_DUCKDB_MEMORY_LIMIT='a lot': give DuckDB a size"):
        tables_of(spool)
    monkeypatch.setenv("EARSHOT_DUCKDB_MEMORY_LIMIT", "1.5GB")
    assert {row["id"] for row in tables_of(spool)["orders"].to_pylist()} == {1}


def spool_schemas() -> list[str]:
    return [
        name
        for (name,) in columnar.spool_database()
        .execute("select schema_name from information_schema.schemata")
        .fetchall()
        if name.startswith("spool_")
    ]


def spool_memory() -> int:
    """Bytes the spool database holds in its buffers."""
    (held,) = (
        columnar.spool_database()
        .execute("select sum(memory_usage_bytes) from duckdb_memory()")
        .fetchone()
    )
    return held


def test_spools_open_at_once_share_one_database_and_its_memory_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("EARSHOT_DUCKDB_MEMORY_LIMIT", "300MB")
    orders, more = Spool(LAYOUT), Spool(LAYOUT)
    try:
        orders.add([order(1), order(2)])
        more.add([order(3)])
        # dlt reads resources in turn: both spools yield batches before either is done
        first, second = orders.tables(), more.tables()
        assert next(first)[0] == next(second)[0] == "orders"
        (limit,) = (
            columnar.spool_database().execute("select current_setting('memory_limit')").fetchone()
        )
        # two thirds of the load's limit: the rest is for the process around DuckDB
        with duckdb.connect(config={"memory_limit": "200MB"}) as alone:
            assert limit == alone.execute("select current_setting('memory_limit')").fetchone()[0]

        assert {table for table, _ in first} >= {"orders__line_items"}
        assert {table for table, _ in second} >= {"orders__line_items"}
    finally:
        orders.close()
        more.close()


def test_a_spool_gives_its_memory_back_before_its_first_batch(spool: Spool) -> None:
    # what the batches feed (the calls' transcripts, fetched as the calls arrive)
    # runs without the spool's tables held beside it
    spool.add([order(number, note="x" * 200) for number in range(1, 20_001)])
    batches = spool.tables()
    table, batch = next(batches)
    assert table == "orders" and spool_schemas() == []
    assert spool_memory() < 1024 * 1024, "the spool database holds no tables"
    assert not spool.path.exists(), "the spooled records go once DuckDB has read them"

    rest = list(batches)
    rows = batch.num_rows + sum(b.num_rows for t, b in rest if t == "orders")
    assert rows == 20_000
    assert {t for t, _ in rest} >= {"orders__line_items"}
    assert list(spool.folder.iterdir()) == [], "each staged table goes with its last batch"


def test_a_spool_holds_one_child_lists_rows_at_a_time(
    spool: Spool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Shopify's orders unnest line items, refunds, their lines and more: each
    # list's table goes once its batches are staged, before the next is unnested
    held: dict[str, set[str]] = {}
    stage = Spool._stage

    def recorded(self: Spool, connection, table: str, *rest):
        present = connection.execute(
            "select table_name from duckdb_tables() where schema_name = current_schema()"
        ).fetchall()
        held[table] = {name for (name,) in present}
        return stage(self, connection, table, *rest)

    monkeypatch.setattr(Spool, "_stage", recorded)
    refund = {"id": 5, "order_id": 2, "refund_line_items": [{"id": 50, "line_item_id": 20}]}
    spool.add([order(1), order(2, refunds=[refund])])
    assert set(tables_of(spool)) == set(held)

    assert held["orders"] == {"root"}
    assert held["orders__line_items"] == {"root", "list_line_items"}
    assert held["orders__refunds"] == {"root", "list_refunds"}
    assert held["orders__refunds__refund_line_items"] == {
        "root",
        "list_refunds",
        "list_refunds_refund_line_items",
    }
