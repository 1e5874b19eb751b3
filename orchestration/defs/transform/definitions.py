"""The transform area: the dbt project's models, seeds and tests, its dashboards
(exposures), and the checks dbt tests cannot express."""

from __future__ import annotations

import json

import dagster as dg

from earshot.settings import Settings
from orchestration.defs import partitions
from orchestration.defs.transform import checks
from orchestration.defs.transform.assets import dashboard_specs, transform_assets
from orchestration.defs.transform.resources import dbt_resource, prepared_project


def definitions(settings: Settings) -> dg.Definitions:
    project = prepared_project()
    models = transform_assets(project, partitions.daily(settings.history_start))
    manifest = json.loads(project.manifest_path.read_text())
    loaded = {
        tuple(source["meta"]["dagster"]["asset_key"])
        for source in manifest["sources"].values()
        if source["source_name"] in settings.sources
    }
    manifest = {
        **manifest,
        "sources": {
            uid: s
            for uid, s in manifest["sources"].items()
            if tuple(s["meta"]["dagster"]["asset_key"]) in loaded
        },
    }
    return dg.Definitions(
        assets=[models, *dashboard_specs(manifest)],
        asset_checks=[checks.call_tags_name_a_purpose, checks.source_freshness_check(manifest)],
        resources={"dbt": dbt_resource(project)},
    )
