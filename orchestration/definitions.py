"""The Definitions Dagster loads: ``dagster dev -m orchestration.definitions``.

Built when Dagster loads them, not on import: the settings are read from the
environment once, each area builds its own Definitions from them, and they
are merged here with the resources every area shares.
"""

from __future__ import annotations

import dagster as dg

from earshot.settings import Settings
from orchestration.defs.ingestion import definitions as ingestion
from orchestration.defs.publish import definitions as publish
from orchestration.defs.resources import EarshotResource
from orchestration.defs.schedules import definitions as schedules
from orchestration.defs.transform import definitions as transform
from orchestration.defs.transform.assets import mart_keys


def build(settings: Settings) -> dg.Definitions:
    """Earshot's definitions for the given settings."""
    loading = ingestion.definitions(settings)
    building = transform.definitions(settings)
    return dg.Definitions.merge(
        loading,
        building,
        publish.definitions(mart_keys(building)),
        schedules.definitions(settings),
        dg.Definitions(
            resources={"earshot": EarshotResource.from_settings(settings)},
            # A run's steps in the run's own process, one after another. Every step that
            # writes takes the warehouse pool's one slot anyway, and Dagster's default
            # executor started a process per step, each building the definitions again:
            # the S shop's run took 254.5 s against 131.8 s, and a run with nothing new
            # 159.4 s against 44.3 s, at the same peak (1,673 against 1,689 MiB;
            # bench/orchestration_bench.py --launch deployed, docs/benchmarks.md).
            executor=dg.in_process_executor,
        ),
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build(Settings.from_env())
