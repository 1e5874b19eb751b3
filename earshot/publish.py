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


def publish_marts(
    connection: duckdb.DuckDBPyConnection, target: Path, schema: str = MARTS_SCHEMA
) -> dict[str, int]:
    """Copy every table of ``schema`` from ``connection``'s warehouse into ``target``.

    Returns the row count of each published table. The copy also carries
    ``meta.publications`` (when it was published, which tables, how many rows),
    so a dashboard can say how fresh it is.
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
        connection.execute(
            "create table publication.meta.publications "
            "(published_at timestamp, table_name varchar, row_count bigint)"
        )
        published_at = datetime.now(UTC).replace(tzinfo=None)
        connection.executemany(
            "insert into publication.meta.publications values (?, ?, ?)",
            [(published_at, table, count) for table, count in counts.items()],
        )
    except BaseException:
        connection.execute("detach publication")
        staging.unlink(missing_ok=True)
        raise
    connection.execute("detach publication")
    os.replace(staging, target)
    return counts
