"""Source freshness read as dbt reads it: the newest stamp's age against the declared periods."""

from datetime import timedelta

import duckdb
import pytest

from earshot import freshness


def source(name: str, **overrides) -> dict:
    """One source table as a dbt manifest holds it."""
    return {
        "source_name": "shop",
        "name": name,
        "schema": "raw",
        "identifier": name,
        "loaded_at_field": "loaded_at",
        "freshness": {
            "warn_after": {"count": 24, "period": "hour"},
            "error_after": {"count": 7, "period": "day"},
            "filter": None,
        },
        **overrides,
    }


@pytest.fixture
def connection():
    with duckdb.connect() as connection:
        connection.execute("create schema raw")
        for table, hours_ago in (("fresh", 1), ("late", 30), ("stale", 8 * 24)):
            connection.execute(
                f"create table raw.{table} as "
                f"select now() - interval {hours_ago} hour as loaded_at, 'paid' as status"
            )
        connection.execute("create table raw.empty (loaded_at timestamptz)")
        yield connection


def statuses(connection, *sources: dict) -> dict[str, str]:
    answers = freshness.check(connection, freshness.declared_in(sources))
    return {answer.name: answer.status for answer in answers}


def test_age_past_warn_after_warns_and_past_error_after_errs(connection) -> None:
    found = statuses(connection, source("fresh"), source("late"), source("stale"))

    assert found == {"shop.fresh": "pass", "shop.late": "warn", "shop.stale": "error"}


def test_a_table_with_no_stamp_is_infinitely_old_and_one_that_is_missing_cannot_be_read(
    connection,
) -> None:
    [empty, missing] = freshness.check(
        connection, freshness.declared_in([source("empty"), source("missing")])
    )

    assert empty.status == "error" and empty.age_seconds > 1e10
    assert missing.status == "runtime error"
    assert "missing" in missing.error


def test_the_filter_and_an_error_threshold_alone_are_honoured(connection) -> None:
    only_error = {"error_after": {"count": 2, "period": "day"}, "filter": "status = 'refunded'"}
    found = statuses(connection, source("fresh", freshness=only_error))

    # no row passes the filter: no stamp, so older than any threshold
    assert found == {"shop.fresh": "error"}


def test_tables_without_a_stamp_column_or_a_threshold_are_not_checked() -> None:
    declared = freshness.declared_in(
        [
            source("nested", freshness=None),
            source("unstamped", loaded_at_field=None),
            source("calls"),
        ]
    )

    assert [(d.name, d.warn_after, d.error_after) for d in declared] == [
        ("shop.calls", timedelta(hours=24), timedelta(days=7))
    ]


def test_the_worst_status_speaks_for_a_group() -> None:
    assert freshness.worst(["pass", "warn"]) == "warn"
    assert freshness.worst(["pass", "runtime error", "error"]) == "runtime error"
    assert freshness.worst(["pass", "something new"]) == "runtime error"
