"""The project's own generic data tests (transform/tests/generic/), run as SQL on small tables.

Each test's body is rendered as dbt renders it (a Jinja block with the model and
its arguments) and run in DuckDB: a test fails for every row its query returns.
"""

from __future__ import annotations

import re

import duckdb
import jinja2
import pytest

from earshot import settings

GENERIC = settings.TRANSFORM_DIR / "tests" / "generic"


def duckdb_row_hash(columns: str) -> str:
    """macros/portability.sql's row_hash as it renders on DuckDB."""
    return f"hash({columns})"


def failures(
    test: str,
    table: str,
    connection: duckdb.DuckDBPyConnection,
    row_hash=duckdb_row_hash,
    **arguments,
) -> list:
    """The rows the generic test ``test`` returns for ``table``: its failures."""
    source = (GENERIC / f"{test}.sql").read_text()
    body = re.search(r"{%\s*test\s+\w+\(.*?\)\s*%}(.*?){%\s*endtest\s*%}", source, re.S)
    assert body, f"{test}.sql holds no test block"
    sql = (
        jinja2.Environment()
        .from_string(body.group(1))
        .render(model=table, row_hash=row_hash, **arguments)
    )
    return sorted(connection.execute(sql).fetchall(), key=repr)


@pytest.fixture
def connection() -> duckdb.DuckDBPyConnection:
    with duckdb.connect() as connection:
        yield connection


@pytest.mark.parametrize(
    ("keys", "failing"),
    [
        (["a", "b", "c"], []),
        (["a", "b", "b"], [("b", 2)]),
        (["a", None, "c"], [(None, 1)]),
        ([None, None, "c", "c"], [("c", 2), (None, 2)]),
    ],
)
def test_a_primary_key_fails_for_each_repeated_or_missing_key(
    connection: duckdb.DuckDBPyConnection, keys: list, failing: list
) -> None:
    connection.execute("create table orders (order_id varchar)")
    connection.executemany("insert into orders values (?)", [[key] for key in keys])

    found = failures("primary_key", "orders", connection, column_name="order_id")

    assert found == sorted(failing, key=repr)


def test_a_combination_of_columns_fails_only_where_the_whole_combination_repeats(
    connection: duckdb.DuckDBPyConnection,
) -> None:
    connection.execute("create table lines (order_id int, line int)")
    connection.execute("insert into lines values (1, 1), (1, 2), (2, 1), (2, 1)")

    found = failures(
        "unique_combination_of_columns",
        "lines",
        connection,
        combination_of_columns=["order_id", "line"],
    )

    assert found == [(2, 1, 2)]


@pytest.mark.parametrize(
    ("rows", "failing"),
    [
        ([(1, 1), (1, 2), (2, 1), (2, 2)], []),
        ([(1, 1), (1, 2), (1, 2), (2, 1)], [(1, 2, 2)]),
        ([(None, 1), (None, 1), (None, 2)], [(None, 1, 2)]),
    ],
)
def test_combinations_that_hash_alike_are_told_apart(
    connection: duckdb.DuckDBPyConnection, rows: list, failing: list
) -> None:
    # every row hashes alike: only the second grouping, on the columns, decides
    connection.execute("create table lines (order_id int, line int)")
    connection.executemany("insert into lines values (?, ?)", rows)

    found = failures(
        "unique_combination_of_columns",
        "lines",
        connection,
        row_hash=lambda columns: "0",
        combination_of_columns=["order_id", "line"],
    )

    assert found == failing
