"""The checksums that say two engines built the same mart."""

import datetime as dt
import decimal

import pyarrow as pa

from earshot import parity


def mart(**columns) -> pa.Table:
    return pa.table(columns)


def test_the_same_rows_in_another_order_and_type_are_equal() -> None:
    utc = dt.UTC
    duck = mart(
        key=pa.array(["a", "b", "c"]),
        amount=pa.array(
            [decimal.Decimal("1.10"), decimal.Decimal("2.20"), None], pa.decimal128(18, 2)
        ),
        share=pa.array([0.1, 0.2, 0.7]),
        at=pa.array([dt.datetime(2026, 1, 1, 10, tzinfo=utc)] * 3, pa.timestamp("us", tz="UTC")),
        themes=pa.array([["price"], [], None], pa.list_(pa.string())),
    )
    spark = mart(
        key=pa.array(["c", "a", "b"]),
        amount=pa.array([None, 1.1, 2.2]),  # a double where DuckDB kept a decimal
        share=pa.array([0.7, 0.1, 0.2 + 1e-15]),  # added in another order
        at=pa.array([dt.datetime(2026, 1, 1, 10)] * 3, pa.timestamp("ns")),  # naive UTC
        themes=pa.array([None, ["price"], []], pa.list_(pa.string())),
    )
    assert parity.compare({"m": duck}, {"m": spark}) == {"m": []}


def test_a_changed_value_a_lost_row_and_a_missing_column_are_each_named() -> None:
    duck = mart(key=pa.array(["a", "b"]), label=pa.array(["x", "y"]), n=pa.array([1, 2]))
    changed = mart(key=pa.array(["a", "b"]), label=pa.array(["x", "z"]), n=pa.array([1, 2]))
    fewer = mart(key=pa.array(["a"]), label=pa.array(["x"]), n=pa.array([1]))
    narrower = mart(key=pa.array(["a", "b"]), n=pa.array([1, 3]))

    report = parity.compare({"m": duck}, {"m": changed})["m"]
    assert len(report) == 1 and report[0].startswith("label: hashed")

    report = parity.compare({"m": duck}, {"m": fewer})["m"]
    assert report[0] == "rows 2 against 1"
    assert any(line.startswith("n: total 3.0 against 1.0") for line in report)

    report = parity.compare({"m": duck}, {"m": narrower})["m"]
    assert "label: missing from the second engine" in report
    assert "n: total 3.0 against 4.0" in report
    assert "n: high 2.0 against 3.0" in report


def test_a_mart_one_engine_never_built_is_reported() -> None:
    table = mart(key=pa.array(["a"]))
    assert parity.compare({"m": table, "only_duck": table}, {"m": table}) == {
        "m": [],
        "only_duck": ["built by one engine only"],
    }
