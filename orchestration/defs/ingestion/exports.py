"""CSV exports as assets, and the sensor that loads them when new files land.

Teams without API access drop Aircall call-history and Judge.me review exports
in ``<exports>/aircall/`` and ``<exports>/judgeme/`` (``EARSHOT_EXPORTS``). Each
vendor's exports are an asset that loads the files added or changed since its
last load into the same raw tables as the API (``ingestion.pipelines.load_exports``).
The sensor looks at the folders every ``SENSOR_SECONDS`` and, when a file is
new or newer than the last it saw, starts a run of the exports with everything
downstream of them.
"""

import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
from dagster._core.definitions.unresolved_asset_job_definition import UnresolvedAssetJobDefinition

from ingestion import pipelines
from orchestration.defs import partitions
from orchestration.defs.ingestion.assets import LOAD_RETRIES
from orchestration.defs.pools import WAREHOUSE_POOL
from orchestration.defs.resources import EarshotResource

SENSOR_SECONDS = 60
EXPORTS_JOB = "load_csv_exports"


def export_key(vendor: str) -> dg.AssetKey:
    """``raw_aircall/call_exports``, ``raw_judgeme/review_exports``."""
    return dg.AssetKey(
        [pipelines.RAW_DATASETS[vendor], f"{pipelines.EXPORT_VENDORS[vendor][:-1]}_exports"]
    )


def export_folder(exports: Path, vendor: str) -> Path:
    return exports / vendor


def export_assets(vendor: str) -> dg.AssetsDefinition:
    table = pipelines.EXPORT_VENDORS[vendor]

    @dg.asset(
        key=export_key(vendor),
        group_name="ingestion",
        kinds={"dlt", "csv"},
        pool=WAREHOUSE_POOL,
        retry_policy=LOAD_RETRIES,
        description=f"{vendor} CSV exports dropped in <exports>/{vendor}/, loaded into "
        f"{pipelines.RAW_DATASETS[vendor]}.{table} beside the API's records (new or changed "
        "files only).",
    )
    def _exports(
        context: dg.AssetExecutionContext, earshot: EarshotResource
    ) -> dg.MaterializeResult:
        folder = export_folder(earshot.settings.exports, vendor)
        if not folder.is_dir():
            context.log.info(f"{folder} does not exist: no {vendor} exports to load")
            return dg.MaterializeResult(metadata={"rows_loaded": 0, "folder": str(folder)})
        say = context.log.info
        loaded = earshot.worker(say).load_exports(vendor, str(folder), earshot.settings, say)
        context.log.info(loaded.describe())
        return dg.MaterializeResult(
            metadata={
                "rows_loaded": sum(loaded.rows.values()),
                "quarantined": loaded.quarantined,
                "folder": dg.MetadataValue.path(str(folder)),
            }
        )

    return _exports


def newest_files(folder: Path, pattern: str = "*.csv") -> dict[str, float]:
    """Each file's modification time, for the files in ``folder`` matching ``pattern``."""
    if not folder.is_dir():
        return {}
    return {str(path): path.stat().st_mtime for path in sorted(folder.glob(pattern))}


def changed_since(cursor: str | None, files: dict[str, float]) -> list[str]:
    """The files among ``files`` (from :func:`newest_files`) new or changed since a sensor's
    cursor, which holds the ``files`` it last saw."""
    seen: dict[str, float] = json.loads(cursor) if cursor else {}
    return [name for name, mtime in files.items() if seen.get(name, -1.0) < mtime]


def exports_sensor(vendors: list[str], job: UnresolvedAssetJobDefinition) -> dg.SensorDefinition:
    @dg.sensor(
        name="csv_exports_landed",
        job=job,
        minimum_interval_seconds=SENSOR_SECONDS,
        default_status=dg.DefaultSensorStatus.RUNNING,
        description="Loads CSV exports when new or changed files land in <exports>/aircall/ "
        "or <exports>/judgeme/, then rebuilds and publishes the marts.",
    )
    def _sensor(context: dg.SensorEvaluationContext, earshot: EarshotResource) -> Iterator:
        changed: list[str] = []
        now_seen: dict[str, float] = {}
        for vendor in vendors:
            files = newest_files(export_folder(earshot.settings.exports, vendor))
            now_seen.update(files)
            fresh = changed_since(context.cursor, files)
            if fresh:
                changed.append(vendor)
                context.log.info(f"{vendor}: {len(fresh)} new or changed export(s)")
        if not changed:
            yield dg.SkipReason("no new or changed export files")
            return
        newest = max(now_seen.values())
        # the job loads both vendors' exports (an unchanged folder reads no file) and
        # rebuilds and publishes everything downstream, as today's partition
        yield dg.RunRequest(
            run_key=f"exports-{newest}",
            partition_key=partitions.today_key(),
            tags={"earshot/trigger": "csv_exports", "earshot/exports": ",".join(changed)},
        )
        context.update_cursor(json.dumps(now_seen))

    return _sensor
