"""Daily partitions: what a backfill of a date range re-reads and rebuilds.

Every source and every dbt model is partitioned by day (UTC). A run of one
partition or a range of them (a backfill runs as one run, not one per day)
reads that window from each vendor API with its date filters and merges it;
dbt's incremental models reprocess the same window. Today's partition reaches
now: running it is the ordinary incremental run, from each source's cursor.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import dagster as dg

from ingestion.window import Window


def daily(history_start: str) -> dg.DailyPartitionsDefinition:
    """One partition a day from the shop's history start (``Settings.history_start``)
    through today."""
    return dg.DailyPartitionsDefinition(start_date=history_start, end_offset=1, timezone="UTC")


# How old each layer may grow: calls and reviews load hourly, the rest daily at 05:00.
HOURLY_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=6), warn_window=timedelta(hours=2)
)
DAILY_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(hours=48), warn_window=timedelta(hours=26)
)
# A backfill of any length runs once, over its whole range.
SINGLE_RUN = dg.BackfillPolicy.single_run()


def window_of(context: dg.AssetExecutionContext, now: datetime | None = None) -> Window | None:
    """The window a run reads: none for an unpartitioned run (incremental from the cursors),
    a bounded re-read for a range in the past, and "from the range's start through now"
    for a range that reaches today."""
    if not context.has_partition_key and not context.has_partition_key_range:
        return None
    span = context.partition_time_window
    now = now or datetime.now(UTC)
    if span.end > now:
        return Window(span.start.astimezone(UTC))
    return Window(span.start.astimezone(UTC), span.end.astimezone(UTC))


def today_key(now: datetime | None = None) -> str:
    """The partition that reaches now, which a scheduled incremental run materializes."""
    return (now or datetime.now(UTC)).astimezone(UTC).strftime("%Y-%m-%d")
