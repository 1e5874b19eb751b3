"""One asset per raw table a vendor API fills, loaded a source at a time.

Each source's assets are one step that calls :func:`ingestion.pipelines.load_source`,
the same load the command line runs, in the run's worker process
(``orchestration.worker``). They are partitioned by day: a backfill of a range
re-reads that window from the API and merges it, in one run.
"""

from collections.abc import Iterator

import dagster as dg

from ingestion import pipelines
from orchestration.defs import partitions
from orchestration.defs.pools import WAREHOUSE_POOL
from orchestration.defs.resources import EarshotResource

# Vendor APIs fail for a while (rate limits past their retries, a deploy, a
# network blip): a failed load is tried again, waiting longer each time.
# Calls and reviews load every hour (see schedules); orders, customers and products daily.
HOURLY_SOURCES = ("aircall", "judgeme")
LOAD_RETRIES = dg.RetryPolicy(max_retries=3, delay=30, backoff=dg.Backoff.EXPONENTIAL)


def raw_key(source: str, table: str) -> dg.AssetKey:
    """The key of a raw table: ``raw_<source>/<table>``, as the dbt sources' meta names it."""
    return dg.AssetKey([pipelines.RAW_DATASETS[source], table])


def rows_of(loaded: pipelines.Loaded, table: str) -> int:
    """Rows written to a table and its child tables (``orders__line_items``...)."""
    return sum(
        count
        for name, count in loaded.rows.items()
        if name == table or name.startswith(f"{table}__")
    )


def source_assets(source: str, partitions_def: dg.PartitionsDefinition) -> dg.AssetsDefinition:
    """The assets one vendor API source fills, loaded together in one step."""
    specs = [
        dg.AssetSpec(
            raw_key(source, table),
            group_name="ingestion",
            kinds={"dlt", "duckdb"},
            freshness_policy=(
                partitions.HOURLY_FRESHNESS
                if source in HOURLY_SOURCES
                else partitions.DAILY_FRESHNESS
            ),
            description=f"{source} {table} as the API returns them, merged on their key "
            f"(schema {pipelines.RAW_DATASETS[source]}; bad records in its quarantine table).",
        )
        for table in pipelines.SOURCE_TABLES[source]
    ]

    @dg.multi_asset(
        name=f"load_{source}",
        specs=specs,
        partitions_def=partitions_def,
        backfill_policy=partitions.SINGLE_RUN,
        retry_policy=LOAD_RETRIES,
        pool=WAREHOUSE_POOL,
        description=f"Load {source} from its API: a partition range re-reads that window; "
        "today's partition reads on from each resource's cursor.",
    )
    def _load(
        context: dg.AssetExecutionContext, earshot: EarshotResource
    ) -> Iterator[dg.MaterializeResult]:
        window = partitions.window_of(context)
        context.log.info(
            f"{source}: reading "
            + ("on from the cursors" if window is None or not window.rereads else f"{window}")
        )
        say = context.log.info
        loaded = earshot.worker(say).load_source(source, earshot.settings, window, say)
        context.log.info(loaded.describe())
        if loaded.quarantined:
            context.log.warning(
                f"{source}: {loaded.quarantined} record(s) set aside in "
                f"{pipelines.RAW_DATASETS[source]}.quarantine"
            )
        for table in pipelines.SOURCE_TABLES[source]:
            yield dg.MaterializeResult(
                asset_key=raw_key(source, table),
                metadata={
                    "rows_loaded": rows_of(loaded, table),
                    "quarantined": loaded.quarantined,
                    "load_ids": ", ".join(loaded.load_ids),
                    "window": str(window) if window else "from the cursor",
                },
            )

    return _load
