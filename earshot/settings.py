"""The one settings story for every layer.

dlt, dbt, Dagster and Streamlit all ask this module where the warehouse is, so a
single environment variable moves all of them together:

- ``EARSHOT_WAREHOUSE``: the working DuckDB file that dlt loads and dbt builds
  (default ``warehouse/earshot.duckdb`` under the project root);
- ``EARSHOT_PUBLISHED``: the read-only copy of the marts that dashboards read
  (default ``earshot_marts.duckdb`` beside the warehouse);
- ``EARSHOT_SOURCES``: the sources the shop has connected (default all three).

Source endpoints and credentials are not here: they live in dlt's own config
(``.dlt/config.toml``) and secrets (environment or ``.dlt/secrets.toml``).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TRANSFORM_DIR = PROJECT_ROOT / "transform"

_TELEMETRY_OFF = {
    "RUNTIME__DLTHUB_TELEMETRY": "false",
    "DO_NOT_TRACK": "1",
    "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    "GX_ANALYTICS_ENABLED": "false",
    "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
}


def _resolve(path: str | os.PathLike[str]) -> Path:
    candidate = Path(path).expanduser()
    return candidate if candidate.is_absolute() else (PROJECT_ROOT / candidate).resolve()


def warehouse_path() -> Path:
    """The working DuckDB warehouse: raw loads, staging, intermediate and marts."""
    return _resolve(os.environ.get("EARSHOT_WAREHOUSE", "warehouse/earshot.duckdb"))


def published_path() -> Path:
    """The read-only copy of the marts, replaced atomically after each build."""
    default = warehouse_path().with_name("earshot_marts.duckdb")
    return _resolve(os.environ.get("EARSHOT_PUBLISHED", default))


SOURCES = ("shopify", "aircall", "judgeme")


def connected_sources() -> tuple[str, ...]:
    """The sources this shop loads: ``EARSHOT_SOURCES`` (comma-separated), default all three.

    A shop without Aircall or Judge.me leaves it out (``EARSHOT_SOURCES=shopify,judgeme``):
    Dagster then has no asset for it, and dbt builds its voice models empty.
    """
    value = os.environ.get("EARSHOT_SOURCES", ",".join(SOURCES))
    names = tuple(name.strip().lower() for name in value.split(",") if name.strip())
    unknown = sorted(set(names) - set(SOURCES))
    if unknown or "shopify" not in names:
        raise ValueError(
            f"EARSHOT_SOURCES={value!r}: expected shopify plus any of aircall, judgeme "
            f"(unknown: {', '.join(unknown) or 'none'})"
        )
    return tuple(name for name in SOURCES if name in names)


def destination_name() -> str:
    """Where dlt loads: ``duckdb`` (the warehouse file) unless ``EARSHOT_DESTINATION`` says
    otherwise (``postgres``, ``motherduck``, ``snowflake``, ``bigquery``, ...), with that
    destination's credentials in dlt's secrets (``DESTINATION__<NAME>__CREDENTIALS``)."""
    return os.environ.get("EARSHOT_DESTINATION", "duckdb")


def dlt_pipelines_dir() -> Path:
    """Where dlt keeps pipeline state and load packages, next to the warehouse it fills."""
    return warehouse_path().parent / ".dlt_pipelines"


def configure_process() -> None:
    """Apply process-wide settings once, before dlt, dbt or Dagster start work.

    - Telemetry is switched off for every tool (the machines have no route out).
    - dlt reads ``.dlt/`` from the project root whatever the working directory.
    - The warehouse path is exported as an absolute path, so the dbt profile
      (``env_var('EARSHOT_WAREHOUSE')``) points at the same file as dlt.
    - The virtual environment's ``bin`` goes first on ``PATH``, so the ``dbt``
      that dagster-dbt starts is the project's own.
    """
    for name, value in _TELEMETRY_OFF.items():
        os.environ.setdefault(name, value)
    os.environ.setdefault("DLT_PROJECT_DIR", str(PROJECT_ROOT))
    os.environ["EARSHOT_WAREHOUSE"] = str(warehouse_path())
    os.environ["EARSHOT_PUBLISHED"] = str(published_path())
    venv_bin = str(Path(sys.executable).parent)
    if venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = venv_bin + os.pathsep + os.environ.get("PATH", "")
