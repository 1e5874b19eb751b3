"""When Earshot runs by itself: the daily refresh, hourly loads of calls and reviews,
and sensors that load CSV exports when they land and decisions when a lead records one.

Scheduled runs materialize today's partition, which reads on from each
source's cursor (``orchestration.defs.partitions``); backfills of past days
are launched by hand from the UI.
"""

from collections.abc import Iterator

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from earshot.settings import Settings
from ingestion.pipelines import EXPORT_VENDORS, RAW_DATASETS, SOURCE_TABLES
from orchestration.defs import partitions
from orchestration.defs.ingestion.assets import HOURLY_SOURCES
from orchestration.defs.ingestion.decisions import DECISIONS_JOB, DECISIONS_KEY, decisions_sensor
from orchestration.defs.ingestion.exports import EXPORTS_JOB, export_key, exports_sensor

DAILY_CRON = "0 5 * * *"
HOURLY_CRON = "15 * * * *"


def scheduled_today(
    name: str, job: UnresolvedAssetJobDefinition, cron: str, description: str
) -> dg.ScheduleDefinition:
    @dg.schedule(
        name=name,
        job=job,
        cron_schedule=cron,
        execution_timezone="UTC",
        default_status=dg.DefaultScheduleStatus.RUNNING,
        description=description,
    )
    def _schedule(context: dg.ScheduleEvaluationContext) -> Iterator[dg.RunRequest]:
        yield dg.RunRequest(partition_key=partitions.today_key(context.scheduled_execution_time))

    return _schedule


def definitions(settings: Settings) -> dg.Definitions:
    daily_refresh = dg.define_asset_job(
        name="daily_refresh",
        selection=dg.AssetSelection.all().materializable(),
        description="Load every source, dbt build (tests as checks), check and publish the marts.",
    )
    hourly_keys = [
        dg.AssetKey([RAW_DATASETS[source], table])
        for source in HOURLY_SOURCES
        if source in settings.sources
        for table in SOURCE_TABLES[source]
    ]
    jobs: list[UnresolvedAssetJobDefinition] = [daily_refresh]
    schedules = [
        scheduled_today(
            "daily_refresh_schedule",
            daily_refresh,
            DAILY_CRON,
            "Every morning: load, build, check and publish everything (today's partition).",
        )
    ]
    if hourly_keys:
        hourly = dg.define_asset_job(
            name="hourly_voice_load",
            selection=dg.AssetSelection.assets(*hourly_keys),
            description="Load new calls and reviews from the APIs.",
        )
        jobs.append(hourly)
        schedules.append(
            scheduled_today(
                "hourly_voice_load_schedule",
                hourly,
                HOURLY_CRON,
                "Every hour: load calls and reviews on from their cursors.",
            )
        )
    decisions_job = dg.define_asset_job(
        name=DECISIONS_JOB,
        selection=dg.AssetSelection.assets(DECISIONS_KEY).downstream().materializable(),
        description="Load the decisions recorded on the Actions page, then rebuild and publish "
        "the marts that count them.",
    )
    jobs.append(decisions_job)
    sensors = [decisions_sensor(decisions_job)]
    vendors = [vendor for vendor in EXPORT_VENDORS if vendor in settings.sources]
    if vendors:
        exports_job = dg.define_asset_job(
            name=EXPORTS_JOB,
            selection=dg.AssetSelection.assets(*(export_key(v) for v in vendors))
            .downstream()
            .materializable(),
            description="Load the CSV exports, then rebuild and publish what depends on them.",
        )
        jobs.append(exports_job)
        sensors.append(exports_sensor(vendors, exports_job))
    return dg.Definitions(jobs=jobs, schedules=schedules, sensors=sensors)
