"""The dbt project as Dagster sees it, and the CLI resource that runs it."""

from __future__ import annotations

import shutil

from dagster_dbt import DbtCliResource, DbtProject

from earshot.settings import TRANSFORM_DIR

dbt_project = DbtProject(project_dir=TRANSFORM_DIR, profiles_dir=TRANSFORM_DIR)
# `dagster dev` re-parses on every load; everywhere else (tests, `dagster asset
# materialize`, a fresh clone) parse once when no manifest exists yet.
dbt_project.prepare_if_dev()
if not dbt_project.manifest_path.exists():
    dbt_project.preparer.prepare(dbt_project)

dbt_resource = DbtCliResource(
    project_dir=dbt_project,
    dbt_executable=shutil.which("dbt") or "dbt",
)
