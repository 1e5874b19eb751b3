"""Where each source lands, and the one way a source is loaded.

One dlt pipeline per source, one raw schema per vendor. :func:`load_source`
is what every entry point runs (Dagster's assets, ``python -m
ingestion.<source>``, the CSV exports' command): it finishes what a crash
left behind, loads the source while holding the warehouse
(:mod:`earshot.warehouse`), and reports rows loaded and records set aside.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from earshot import lake, warehouse
from earshot.memory import release_memory
from earshot.settings import Settings, duckdb_load_config
from ingestion.window import Window

# dlt is imported by the functions that load, not with this module: Dagster's
# definitions read the tables and datasets below in every process of a run, and
# only a load's step needs dlt (about 90 MiB and 2 s to import).
if TYPE_CHECKING:
    import dlt
    from dlt.common.pipeline import ExtractInfo, LoadInfo

# Parquet load files: DuckDB copies them in a fraction of the time an INSERT of the
# same rows takes (bench/ingestion_bench.py; docs/benchmarks.md).
LOADER_FILE_FORMAT = "parquet"
# dlt normalizes a load in worker processes, each started fresh (dlt imported
# again: about 1.5 s of CPU), so only a load larger than one extract file (they
# rotate every 20,000 records, .dlt/config.toml) is shared between two; a daily
# or hourly load is normalized in the run's own process. [normalize] workers in
# dlt's config, when set, overrides both.
NORMALIZE_WORKERS = 2
PARALLEL_NORMALIZE_RECORDS = 20_000

RAW_DATASETS = {
    "shopify": "raw_shopify",
    "aircall": "raw_aircall",
    "judgeme": "raw_judgeme",
    # Earshot's own: the decisions leads record in the dashboards (ingestion.decisions)
    "earshot": "raw_earshot",
}
# The tables each API source loads (its resources and their child tables).
SOURCE_TABLES = {
    "shopify": ("orders", "customers", "products"),
    "aircall": ("calls", "transcripts"),
    "judgeme": ("reviews",),
}
# The CSV exports load the same raw tables as the API, with a pipeline (and state) of their own.
EXPORT_SUFFIX = "_csv"
EXPORT_VENDORS = {"aircall": "calls", "judgeme": "reviews"}
# Where each source's dlt source function lives, imported only when that source runs.
API_SOURCES = {
    "shopify": "ingestion.shopify:shopify_source",
    "aircall": "ingestion.aircall:aircall_source",
    "judgeme": "ingestion.judgeme:judgeme_source",
}
EXPORT_SOURCES = {
    "aircall": "ingestion.csv_exports:aircall_csv_source",
    "judgeme": "ingestion.csv_exports:judgeme_csv_source",
}


def _source_function(sources: dict[str, str], name: str, kind: str) -> Callable:
    if name not in sources:
        raise ValueError(f"no {kind} named {name!r}; expected one of {', '.join(sources)}")
    module, function = sources[name].split(":")
    return getattr(importlib.import_module(module), function)


@dataclass(frozen=True)
class Loaded:
    """What one load of a source did."""

    source: str
    rows: dict[str, int] = field(default_factory=dict)  # table -> rows written
    quarantined: int = 0
    load_ids: tuple[str, ...] = ()
    # dlt's own account of the load, where it ran in this process
    info: LoadInfo | None = field(default=None, compare=False)

    def describe(self) -> str:
        rows = ", ".join(f"{table} {count:,}" for table, count in sorted(self.rows.items()))
        text = f"{self.source}: loaded {rows or 'nothing new'}"
        if self.quarantined:
            text += (
                f"; {self.quarantined} record(s) set aside in "
                f"{RAW_DATASETS[self.source]}.quarantine (see the reason column)"
            )
        return text

    def plain(self) -> dict[str, object]:
        """What the load did as plain values, for a step run in another process."""
        return {
            "source": self.source,
            "rows": dict(self.rows),
            "quarantined": self.quarantined,
            "load_ids": list(self.load_ids),
        }

    @classmethod
    def from_plain(cls, values: dict) -> Loaded:
        return cls(
            values["source"],
            {table: int(count) for table, count in values["rows"].items()},
            int(values["quarantined"]),
            tuple(values["load_ids"]),
        )


def destination(settings: Settings) -> dlt.common.destination.TDestinationReferenceArg:
    """The DuckDB warehouse file, or any dlt destination the settings name.

    ``filesystem`` writes Parquet for Spark (:mod:`earshot.lake`): to dlt's
    configured ``bucket_url`` (``DESTINATION__FILESYSTEM__BUCKET_URL``, a bucket
    in production), else to the lake's ``raw/`` folder.
    """
    import dlt
    from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

    if settings.destination == "duckdb":
        return dlt.destinations.duckdb(
            DuckDbCredentials(str(settings.warehouse), global_config=duckdb_load_config())
        )
    if settings.destination == "filesystem" and not os.environ.get(
        "DESTINATION__FILESYSTEM__BUCKET_URL"
    ):
        return dlt.destinations.filesystem(bucket_url=lake.raw_path(lake.lake_path()).as_uri())
    return settings.destination


def make_pipeline(
    source_name: str, settings: Settings, progress: str | None = None, pipeline_suffix: str = ""
) -> dlt.Pipeline:
    """The dlt pipeline that loads ``source_name`` into its ``raw_<source>`` schema.

    ``pipeline_suffix`` names a second pipeline into the same schema (the CSV
    exports load beside the API, with their own state).
    """
    import dlt

    return dlt.pipeline(
        pipeline_name=f"earshot_{source_name}{pipeline_suffix}",
        destination=destination(settings),
        dataset_name=RAW_DATASETS[source_name],
        pipelines_dir=str(settings.dlt_pipelines_dir),
        progress=progress,
    )


def finish_pending(pipeline: dlt.Pipeline) -> None:
    """Load what an interrupted run left extracted or normalized, before extracting anew.

    dlt would otherwise load only the leftover package on the next run and ignore
    the new data; finishing it first keeps every run complete.
    """
    if pipeline.has_pending_data:
        pipeline.normalize()
        pipeline.load()


def quarantined_in(pipeline: dlt.Pipeline, load_ids: list[str]) -> int:
    """How many records the given loads set aside in the source's quarantine table."""
    if not load_ids:
        return 0
    with pipeline.sql_client() as client:
        if not client.has_dataset() or not any(
            table == "quarantine" for table in pipeline.default_schema.tables
        ):
            return 0
        table = client.make_qualified_table_name("quarantine")
        placeholders = ", ".join(["%s"] * len(load_ids))
        rows = client.execute_sql(
            f"select count(*) from {table} where _dlt_load_id in ({placeholders})", *load_ids
        )
    return int(rows[0][0])


def normalize_workers(extracted: ExtractInfo) -> int:
    """Worker processes to normalize ``extracted`` with: one unless it holds more
    records than one extract file (:data:`PARALLEL_NORMALIZE_RECORDS`)."""
    records = sum(
        writer.items_count
        for metrics in extracted.metrics.values()
        for step in metrics
        for table, writer in step["table_metrics"].items()
        if not table.startswith("_dlt")  # the pipeline's own state
    )
    return NORMALIZE_WORKERS if records > PARALLEL_NORMALIZE_RECORDS else 1


def load(
    pipeline: dlt.Pipeline,
    source: dlt.sources.DltSource,
    settings: Settings,
    say: Callable[[str], None] | None = None,
) -> Loaded:
    """Run ``source`` through ``pipeline`` after finishing anything a crash left behind."""
    settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
    with warehouse.exclusive(settings.lock_path, say):
        finish_pending(pipeline)
        # pipeline.run() step by step, to size the normalize step to what was extracted
        pipeline.sync_destination()
        extracted = pipeline.extract(source, loader_file_format=LOADER_FILE_FORMAT)
        # what the extract freed goes back before dlt's normalize workers (forked
        # from this process) run beside it: at the L shop's Shopify load, this
        # process held 400 MiB beside two workers of 430
        release_memory()
        normalized = pipeline.normalize(workers=normalize_workers(extracted))
        info = pipeline.load()
        counts = normalized.row_counts if normalized else {}
        set_aside = quarantined_in(pipeline, list(info.loads_ids))
    name = pipeline.dataset_name.removeprefix("raw_")
    rows = {
        table: count
        for table, count in counts.items()
        if not table.startswith("_dlt") and table != "quarantine"
    }
    return Loaded(name, rows, set_aside, tuple(info.loads_ids), info)


def api_source(name: str, window: Window | None = None) -> dlt.sources.DltSource:
    """A vendor API's dlt source, reading ``window`` (a backfill) or from its cursor."""
    return _source_function(API_SOURCES, name, "source")(window=window)


def load_source(
    name: str,
    settings: Settings,
    window: Window | None = None,
    progress: str | None = None,
    say: Callable[[str], None] | None = None,
) -> Loaded:
    """Load one vendor API source into the warehouse."""
    pipeline = make_pipeline(name, settings, progress=progress)
    return load(pipeline, api_source(name, window), settings, say)


def export_source(vendor: str, folder: str) -> dlt.sources.DltSource:
    """The CSV exports of ``vendor`` (``aircall`` or ``judgeme``) dropped in ``folder``."""
    return _source_function(EXPORT_SOURCES, vendor, "CSV export")(bucket_url=folder)


def load_exports(
    vendor: str,
    folder: str,
    settings: Settings,
    progress: str | None = None,
    say: Callable[[str], None] | None = None,
) -> Loaded:
    """Load the export files added or changed in ``folder`` since the last load."""
    pipeline = make_pipeline(vendor, settings, progress=progress, pipeline_suffix=EXPORT_SUFFIX)
    return load(pipeline, export_source(vendor, folder), settings, say)


def load_decisions(
    folder: str,
    settings: Settings,
    progress: str | None = None,
    say: Callable[[str], None] | None = None,
) -> Loaded:
    """Load the decisions store files added or changed in ``folder`` since the last load."""
    from ingestion.decisions import decisions_source

    pipeline = make_pipeline("earshot", settings, progress=progress)
    return load(pipeline, decisions_source(bucket_url=folder), settings, say)


def run_source(source_name: str) -> Loaded:
    """Load one source on its own, printing progress; used by ``python -m ingestion.<source>``."""
    loaded = load_source(source_name, Settings.from_env(), progress="log", say=print)
    print(loaded.info)
    print(loaded.describe())
    return loaded
