"""The decisions leads record in the dashboards, loaded as an asset of every run.

The Actions page appends decisions to ``<published dir>/decisions/``
(:mod:`earshot.decisions`); this asset merges the lines added since the last
load into ``raw_earshot.decisions`` (:mod:`ingestion.decisions`), and the
``actions`` marts count them against the conversations that prompted them.
The daily refresh loads them; so does a sensor, soon after a lead records one,
so the Actions page shows a decision counted within minutes.
"""

import json
from collections.abc import Iterator

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from earshot import decisions
from ingestion import pipelines
from orchestration.defs import partitions
from orchestration.defs.ingestion.assets import LOAD_RETRIES
from orchestration.defs.ingestion.exports import SENSOR_SECONDS, changed_since, newest_files
from orchestration.defs.pools import WAREHOUSE_POOL
from orchestration.defs.resources import EarshotResource

DECISIONS_KEY = dg.AssetKey([pipelines.RAW_DATASETS["earshot"], "decisions"])
DECISIONS_JOB = "load_decisions"


@dg.asset(
    key=DECISIONS_KEY,
    group_name="ingestion",
    kinds={"dlt", "duckdb"},
    pool=WAREHOUSE_POOL,
    retry_policy=LOAD_RETRIES,
    description="Decisions recorded on the dashboards' Actions page (the decisions folder "
    "beside the published marts), merged on decision_id; bad lines go to "
    "raw_earshot.quarantine with their reason.",
)
def recorded_decisions(
    context: dg.AssetExecutionContext, earshot: EarshotResource
) -> dg.MaterializeResult:
    folder = decisions.store_path(earshot.settings.published).parent
    if not folder.is_dir():
        context.log.info(f"{folder} does not exist: no decisions recorded yet")
        return dg.MaterializeResult(metadata={"rows_loaded": 0, "folder": str(folder)})
    say = context.log.info
    loaded = earshot.worker(say).load_decisions(str(folder), earshot.settings, say)
    context.log.info(loaded.describe())
    if loaded.quarantined:
        context.log.warning(
            f"{loaded.quarantined} decision line(s) set aside in raw_earshot.quarantine"
        )
    return dg.MaterializeResult(
        metadata={
            "rows_loaded": sum(loaded.rows.values()),
            "quarantined": loaded.quarantined,
            "folder": dg.MetadataValue.path(str(folder)),
        }
    )


def decisions_sensor(job: UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name="decisions_recorded",
        job=job,
        minimum_interval_seconds=SENSOR_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Loads the decisions recorded on the dashboards' Actions page when the "
        "store changes, then rebuilds and publishes the marts that count them.",
    )
    def _sensor(context: dg.SensorEvaluationContext, earshot: EarshotResource) -> Iterator:
        store = decisions.store_path(earshot.settings.published)
        files = newest_files(store.parent, f"*{store.suffix}")
        fresh = changed_since(context.cursor, files)
        if not fresh:
            yield dg.SkipReason("no decision recorded since the last load")
            return
        context.log.info(f"{len(fresh)} decisions file(s) changed")
        yield dg.RunRequest(
            run_key=f"decisions-{max(files.values())}",
            partition_key=partitions.today_key(),
            tags={"earshot/trigger": "decisions"},
        )
        context.update_cursor(json.dumps(files))

    return _sensor
