"""The dbt project as Dagster sees it, and the CLI resource that runs it."""

import shutil
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

from earshot.settings import TRANSFORM_DIR

PROJECT_INPUTS = ("models", "seeds", "macros", "tests", "dbt_project.yml", "profiles.yml")


def newest_input_mtime(project_dir: Path) -> float:
    """When any file dbt parses last changed."""
    newest = 0.0
    for name in PROJECT_INPUTS:
        path = project_dir / name
        files = path.rglob("*") if path.is_dir() else [path]
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def manifest_is_stale(project: DbtProject) -> bool:
    manifest = project.manifest_path
    return not manifest.exists() or manifest.stat().st_mtime < newest_input_mtime(
        Path(project.project_dir)
    )


dbt_project = DbtProject(project_dir=TRANSFORM_DIR, profiles_dir=TRANSFORM_DIR)
# `dagster dev` re-parses on every load. Elsewhere (tests, the command line, a
# fresh clone) parse only when a model, seed or macro changed since the last
# manifest, so the asset graph never lags behind the SQL.
dbt_project.prepare_if_dev()
if manifest_is_stale(dbt_project):
    dbt_project.preparer.prepare(dbt_project)

dbt_resource = DbtCliResource(
    project_dir=dbt_project,
    dbt_executable=shutil.which("dbt") or "dbt",
)
