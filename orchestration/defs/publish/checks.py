"""Checks on the published file: what the dashboards read is what the warehouse built."""

import dagster as dg
import duckdb

from earshot.publish import MARTS_SCHEMA
from orchestration.defs.resources import EarshotResource
from orchestration.defs.transform.assets import PUBLISHED


def table_rows(connection: duckdb.DuckDBPyConnection, catalog: str) -> dict[str, int]:
    tables = connection.execute(
        "select table_name from information_schema.tables "
        "where table_catalog = ? and table_schema = ? and table_type = 'BASE TABLE'",
        [catalog, MARTS_SCHEMA],
    ).fetchall()
    return {
        name: int(
            connection.execute(
                f'select count(*) from "{catalog}".{MARTS_SCHEMA}."{name}"'
            ).fetchone()[0]
        )
        for (name,) in tables
    }


@dg.asset_check(
    asset=PUBLISHED,
    name="matches_the_warehouse",
    description="Every mart the warehouse holds is in the published file, with as many rows.",
)
def matches_the_warehouse(
    context: dg.AssetCheckExecutionContext, earshot: EarshotResource
) -> dg.AssetCheckResult:
    published = earshot.settings.published
    with earshot.connect(read_only=True, say=context.log.info) as connection:
        (catalog,) = connection.execute("select current_database()").fetchone()
        built = table_rows(connection, catalog)
        if published.exists():
            connection.execute(f"attach '{published}' as published_copy (read_only)")
            try:
                copied = table_rows(connection, "published_copy")
            finally:
                connection.execute("detach published_copy")
        else:
            copied = {}
    missing = sorted(set(built) - set(copied))
    differ = sorted(t for t in set(built) & set(copied) if built[t] != copied[t])
    problems = [f"missing: {', '.join(missing)}"] if missing else []
    problems += [f"{t}: {copied[t]} rows published, {built[t]} in the warehouse" for t in differ]
    return dg.AssetCheckResult(
        passed=not problems,
        severity=dg.AssetCheckSeverity.ERROR,
        description="; ".join(problems) or f"{len(built)} marts, row counts match",
        metadata={"marts": len(built), "missing": len(missing), "row_counts_differ": len(differ)},
    )
