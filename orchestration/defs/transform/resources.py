"""The dbt project as Dagster sees it, and the CLI resource that runs it.

Nothing here runs on import: :func:`prepared_project` parses the project when
the definitions load, and only when a model, seed or macro changed since the
last manifest.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject
from dbt.version import __version__ as dbt_core_version
from packaging import version

from earshot.settings import TRANSFORM_DIR, executable

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


def prepared_project(project_dir: Path = TRANSFORM_DIR) -> DbtProject:
    """The dbt project with an up-to-date manifest, so the asset graph never lags the SQL.

    Parsed with the project's own dbt when a model, seed or macro changed since
    the last manifest; ``dagster dev`` reloads the definitions after an edit.
    """
    project = DbtProject(project_dir=project_dir, profiles_dir=project_dir)
    if manifest_is_stale(project):
        dbt_resource(project).cli(["parse", "--quiet"], target_path=project.target_path).wait()
    return project


class ProjectDbt(DbtCliResource):
    """dagster-dbt's CLI resource for the project's own dbt.

    DbtCliResource asks its executable for the version (``dbt --version``: a
    second dbt start-up, about 1.7 s of CPU) once in every run. The project's
    dbt is the dbt-core installed beside Dagster, so its version is read from
    the package instead.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        return version.parse(dbt_core_version)


def dbt_resource(project: DbtProject) -> DbtCliResource:
    """dbt from the project's own virtual environment, by path."""
    return ProjectDbt(project_dir=project, dbt_executable=executable("dbt"))
