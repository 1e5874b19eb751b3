"""The decisions leads record in the dashboards, loaded as an asset of every run.

The Actions page appends decisions to ``<published dir>/decisions/``
(:mod:`earshot.decisions`); this asset merges the lines added since the last
load into ``raw_earshot.decisions`` (:mod:`ingestion.decisions`), and the
``actions`` marts count them against the conversations that prompted them.
"""

import dagster as dg

from earshot import decisions
from ingestion import pipelines
from orchestration.defs.ingestion.assets import LOAD_RETRIES
from orchestration.defs.pools import WAREHOUSE_POOL
from orchestration.defs.resources import EarshotResource

DECISIONS_KEY = dg.AssetKey([pipelines.RAW_DATASETS["earshot"], "decisions"])


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
    loaded = pipelines.load_decisions(str(folder), earshot.settings, say=context.log.info)
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
