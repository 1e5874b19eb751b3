"""Publish the marts to a separate read-only DuckDB file, replaced atomically.

Dashboards never open the working warehouse (DuckDB has one writer at a time,
and a build would lock readers out). They read this copy instead: it is built
beside its final path and moved into place with one ``os.replace``, so a reader
sees either the old copy or the new one, never half of each.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import duckdb

MARTS_SCHEMA = "marts"
# The newest record of each feed the marts are built from: what "data through" means.
DATA_FEEDS = {
    "orders": ("staging", "stg_shopify__orders", "ordered_at"),
    "calls": ("staging", "stg_aircall__calls", "started_at"),
    "reviews": ("staging", "stg_judgeme__reviews", "reviewed_at"),
}


def data_through(connection: duckdb.DuckDBPyConnection) -> dict[str, datetime | None]:
    """The newest record time of each feed in the warehouse (None: the feed holds nothing)."""
    present = {
        (schema, name)
        for schema, name in connection.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    }
    newest: dict[str, datetime | None] = {}
    for feed, (schema, relation, column) in DATA_FEEDS.items():
        if (schema, relation) not in present:
            newest[feed] = None
            continue
        (value,) = connection.execute(
            f'select max("{column}") from {schema}."{relation}"'
        ).fetchone()
        newest[feed] = value
    return newest


def publish_marts(
    connection: duckdb.DuckDBPyConnection, target: Path, schema: str = MARTS_SCHEMA
) -> dict[str, int]:
    """Copy every table of ``schema`` from ``connection``'s warehouse into ``target``.

    Returns the row count of each published table. The copy also carries
    ``meta.publications`` (when it was published, the newest data it holds,
    which tables, how many rows) and ``meta.data_through`` (the newest record of
    each feed), so a dashboard can say how recent its data is, not only when
    the file was written.
    """
    tables = [
        name
        for (name,) in connection.execute(
            "select table_name from information_schema.tables "
            "where table_schema = ? and table_type = 'BASE TABLE' order by table_name",
            [schema],
        ).fetchall()
    ]
    if not tables:
        raise RuntimeError(
            f"the warehouse has no tables in schema {schema!r}: build the marts before publishing"
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    staging.unlink(missing_ok=True)
    connection.execute(f"attach '{staging}' as publication")
    try:
        connection.execute(f"create schema publication.{schema}")
        connection.execute("create schema publication.meta")
        counts: dict[str, int] = {}
        for table in tables:
            connection.execute(
                f'create table publication.{schema}."{table}" as select * from {schema}."{table}"'
            )
            (counts[table],) = connection.execute(
                f'select count(*) from publication.{schema}."{table}"'
            ).fetchone()
        feeds = data_through(connection)
        newest = max((value for value in feeds.values() if value is not None), default=None)
        connection.execute(
            "create table publication.meta.publications "
            "(published_at timestamp, data_through timestamp, table_name varchar, row_count bigint)"
        )
        published_at = datetime.now(UTC).replace(tzinfo=None)
        connection.executemany(
            "insert into publication.meta.publications values (?, ?, ?, ?)",
            [(published_at, newest, table, count) for table, count in counts.items()],
        )
        connection.execute(
            "create table publication.meta.data_through (feed varchar, data_through timestamp)"
        )
        connection.executemany(
            "insert into publication.meta.data_through values (?, ?)", list(feeds.items())
        )
    except BaseException:
        connection.execute("detach publication")
        staging.unlink(missing_ok=True)
        raise
    connection.execute("detach publication")
    os.replace(staging, target)
    return counts
