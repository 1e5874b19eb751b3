"""Do two engines build the same marts? A row count and a checksum per column.

Run the same shop through DuckDB and through Spark (:mod:`earshot.lake`),
read each mart from both as Arrow, and compare. The checksums are computed by
one engine (DuckDB, over the Arrow tables) so they mean the same on both sides:

- every column: rows with a value;
- text, dates, times, flags and lists: distinct values and an order-free
  hash of every value;
- numbers: their sum, min and max, equal within a relative 1e-9, since two
  engines add floating point in different orders.

Times are compared as UTC instants, numbers as doubles (one engine's decimal
is the other's double), lists by their text.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

TOLERANCE = 1e-9


@dataclass(frozen=True)
class ColumnSum:
    """What one column holds, order aside."""

    values: int
    distinct: int | None = None  # exact kinds only
    hashed: int | None = None  # an order-free hash of every value (exact kinds)
    total: float | None = None  # numbers: sum, min, max
    low: float | None = None
    high: float | None = None

    def differs_from(self, other: ColumnSum) -> list[str]:
        """What differs between two checksums of a column, in words; empty when equal."""
        found = []
        for name in ("values", "distinct", "hashed"):
            if getattr(self, name) != getattr(other, name):
                found.append(f"{name} {getattr(self, name)} against {getattr(other, name)}")
        for name in ("total", "low", "high"):
            mine, theirs = getattr(self, name), getattr(other, name)
            if (mine is None) != (theirs is None) or (
                mine is not None
                and not math.isclose(mine, theirs, rel_tol=TOLERANCE, abs_tol=TOLERANCE)
            ):
                found.append(f"{name} {mine} against {theirs}")
        return found


@dataclass(frozen=True)
class MartSum:
    """A mart's row count and its columns' checksums."""

    rows: int
    columns: dict[str, ColumnSum] = field(default_factory=dict)


def _normalised(column: pa.ChunkedArray) -> tuple[pa.ChunkedArray, str]:
    """A column in a form both engines share, and its kind: number or exact."""
    kind = column.type
    if pa.types.is_timestamp(kind):
        return pc.cast(column, pa.timestamp("us")), "exact"  # UTC instant, no zone
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return pc.cast(column, pa.float64()), "number"
    if pa.types.is_list(kind) or pa.types.is_large_list(kind) or pa.types.is_struct(kind):
        return pa.chunked_array(
            [pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string())]
        ), "exact"
    if pa.types.is_date(kind):
        return pc.cast(column, pa.date32()), "exact"
    return column, "exact"


def checksum(table: pa.Table) -> MartSum:
    """The row count and per-column checksums of one mart read as Arrow."""
    columns = {}
    with duckdb.connect() as connection:
        for name in table.column_names:
            values, kind = _normalised(table[name])
            connection.register("mart_column", pa.table({"v": values}))
            if kind == "number":
                row = connection.execute(
                    "select count(v), sum(v), min(v), max(v) from mart_column where not isnan(v)"
                ).fetchone()
                columns[name.lower()] = ColumnSum(row[0], total=row[1], low=row[2], high=row[3])
            else:
                row = connection.execute(
                    "select count(v), count(distinct v), bit_xor(hash(v)) from mart_column"
                ).fetchone()
                columns[name.lower()] = ColumnSum(row[0], row[1], hashed=row[2])
            connection.unregister("mart_column")
    return MartSum(table.num_rows, columns)


def differences(ours: MartSum, theirs: MartSum) -> list[str]:
    """Every way two checksums of one mart differ, column by column."""
    found = []
    if ours.rows != theirs.rows:
        found.append(f"rows {ours.rows} against {theirs.rows}")
    for name in sorted(set(ours.columns) | set(theirs.columns)):
        if name not in theirs.columns or name not in ours.columns:
            side = "second" if name not in theirs.columns else "first"
            found.append(f"{name}: missing from the {side} engine")
            continue
        found.extend(
            f"{name}: {text}" for text in ours.columns[name].differs_from(theirs.columns[name])
        )
    return found


def compare(first: Mapping[str, pa.Table], second: Mapping[str, pa.Table]) -> dict[str, list[str]]:
    """Marts by name from two engines: what differs in each (empty lists where equal)."""
    report = {}
    for name in sorted(set(first) | set(second)):
        if name not in first or name not in second:
            report[name] = ["built by one engine only"]
            continue
        report[name] = differences(checksum(first[name]), checksum(second[name]))
    return report


def marts_in_duckdb(warehouse: Path, schema: str = "marts") -> dict[str, pa.Table]:
    """Every table of a DuckDB warehouse's marts schema, as Arrow."""
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "select table_name from information_schema.tables"
                " where table_schema = ? and table_type = 'BASE TABLE' order by 1",
                [schema],
            ).fetchall()
        ]
        return {
            name: connection.execute(f'select * from "{schema}"."{name}"').to_arrow_table()
            for name in names
        }


def marts_in_lake(lake: Path, schema: str = "marts") -> dict[str, pa.Table]:
    """Every mart Spark wrote under a lake (``earshot.lake``), read from its Parquet files.

    No Spark session is needed: a managed table is a folder of Parquet files
    in the catalog's warehouse folder.
    """
    folder = lake / "spark-warehouse" / f"{schema}.db"
    marts = {}
    with duckdb.connect() as connection:
        for table in sorted(path for path in folder.iterdir() if path.is_dir()):
            files = sorted(str(path) for path in table.glob("*.parquet"))
            marts[table.name] = (
                connection.execute("select * from read_parquet(?)", [files]).to_arrow_table()
                if files
                else pa.table({})
            )
    return marts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m earshot.parity",
        description="Compare the marts of a DuckDB warehouse with those Spark built in a lake.",
    )
    parser.add_argument("--duckdb", type=Path, required=True, help="the DuckDB warehouse file")
    parser.add_argument("--lake", type=Path, required=True, help="the lake Spark built")
    arguments = parser.parse_args(argv)
    report = compare(marts_in_duckdb(arguments.duckdb), marts_in_lake(arguments.lake))
    for name, found in report.items():
        print(f"{name}: {'equal' if not found else 'differs'}")
        for line in found:
            print(f"    {line}")
    equal = sum(1 for found in report.values() if not found)
    print(f"{equal} of {len(report)} marts equal")
    return 0 if equal == len(report) else 1


if __name__ == "__main__":
    raise SystemExit(main())
