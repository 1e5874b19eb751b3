"""Source freshness as ``dbt source freshness`` judges it, read in the calling process.

The sources YAML declares, per source table, the column that stamps each load
(``loaded_at_field``) and how old the newest stamp may grow before the table
warns or errs. dbt answers with one query per table,
``select max(<loaded_at_field>), current_timestamp from <table> [where <filter>]``,
and an age past ``error_after`` is an error, past ``warn_after`` a warning
(a table with no stamp at all is infinitely old; one that cannot be read is a
runtime error). This module asks the same queries of an open DuckDB connection
and applies the same rule, so a Dagster run checks freshness without starting a
dbt process for it (5 to 9 seconds a run), and the answers match what an
analytics engineer gets from ``dbt source freshness`` by hand
(tests/transform/test_source_freshness.py holds the two side by side).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import duckdb

from earshot.warehouse import quoted

# dbt's statuses, best first: a group of tables is as good as its worst
STATUSES = ("pass", "warn", "error", "runtime error")
# dbt's periods (FreshnessThreshold): a count of them is the allowed age
PERIODS = {"minute": "minutes", "hour": "hours", "day": "days"}
# dbt's age for a table with no load stamp: measured from the year 1
NEVER = datetime(1, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Declared:
    """One source table's freshness as its sources YAML declares it."""

    name: str  # source_name.table, as dbt's sources.json names it
    schema: str
    identifier: str
    loaded_at_field: str
    warn_after: timedelta | None
    error_after: timedelta | None
    filter: str | None = None

    def status(self, age_seconds: float) -> str:
        # dbt's rule: strictly older than a threshold exceeds it, error before warn
        if self.error_after is not None and age_seconds > self.error_after.total_seconds():
            return "error"
        if self.warn_after is not None and age_seconds > self.warn_after.total_seconds():
            return "warn"
        return "pass"


@dataclass(frozen=True)
class Freshness:
    """One table's answer: its status, newest load stamp and age, or why it was not read."""

    name: str
    status: str
    max_loaded_at: datetime | None = None
    age_seconds: float | None = None
    error: str | None = None


def _threshold(declared: Mapping | None) -> timedelta | None:
    if not declared or declared.get("count") is None or declared.get("period") is None:
        return None
    return timedelta(**{PERIODS[declared["period"]]: declared["count"]})


def declared_in(manifest_sources: Iterable[Mapping]) -> list[Declared]:
    """The tables of a dbt manifest's ``sources`` that declare a freshness to check."""
    found = []
    for source in manifest_sources:
        freshness = source.get("freshness") or {}
        warn = _threshold(freshness.get("warn_after"))
        error = _threshold(freshness.get("error_after"))
        if not source.get("loaded_at_field") or (warn is None and error is None):
            continue
        found.append(
            Declared(
                name=f"{source['source_name']}.{source['name']}",
                schema=source["schema"],
                identifier=source.get("identifier") or source["name"],
                loaded_at_field=source["loaded_at_field"],
                warn_after=warn,
                error_after=error,
                filter=freshness.get("filter"),
            )
        )
    return found


def _utc(moment: date) -> datetime:
    # dbt reads a stamp without a zone as UTC, and a date as its midnight
    if not isinstance(moment, datetime):
        moment = datetime.combine(moment, datetime.min.time())
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check(connection: duckdb.DuckDBPyConnection, tables: Iterable[Declared]) -> list[Freshness]:
    """Each table's freshness, read through ``connection`` (dbt's query, dbt's rule)."""
    answers = []
    for table in tables:
        where = f" where {table.filter}" if table.filter else ""
        query = (
            f"select max({table.loaded_at_field}), current_timestamp "
            f"from {quoted(table.schema)}.{quoted(table.identifier)}{where}"
        )
        try:
            newest, now = connection.execute(query).fetchone()
        except duckdb.Error as failed:
            first_line = str(failed).splitlines()[0]
            answers.append(Freshness(table.name, "runtime error", error=first_line))
            continue
        newest = NEVER if newest is None else _utc(newest)
        age = (_utc(now) - newest).total_seconds()
        answers.append(Freshness(table.name, table.status(age), newest, age))
    return answers


def worst(statuses: Iterable[str]) -> str:
    """The worst of dbt's statuses (an unknown one counts as a runtime error)."""
    return max((s if s in STATUSES else "runtime error" for s in statuses), key=STATUSES.index)
