"""The one settings story for every layer.

dlt, dbt, Dagster and Streamlit all ask this module where the warehouse is, so a
single environment variable moves all of them together:

- ``EARSHOT_WAREHOUSE``: the working DuckDB file that dlt loads and dbt builds
  (default ``warehouse/earshot.duckdb`` under the project root);
- ``EARSHOT_PUBLISHED``: the read-only copy of the marts that dashboards read
  (default ``earshot_marts.duckdb`` beside the warehouse);
- ``EARSHOT_SOURCES``: the sources the shop has connected (default all three);
- ``EARSHOT_DESTINATION``: where dlt loads, when not the DuckDB warehouse;
- ``EARSHOT_EXPORTS``: the folder watched for CSV exports, ``aircall/`` and
  ``judgeme/`` under it (default ``exports/`` under the project root);
- ``EARSHOT_HISTORY_START``: the first day Dagster offers a partition for
  (default 2020-01-01; a backfill can reach no earlier).

The environment is read once, into a :class:`Settings` value, by whoever
starts the work (Dagster's resources when the definitions load, a command's
``main``); from there the value travels as an argument. Nothing here changes
the environment: telemetry is off in each tool's own config
(``.dlt/config.toml``, ``transform/dbt_project.yml``, ``orchestration/dagster.yaml``,
``.streamlit/config.toml``, and the Great Expectations context), and the
processes :mod:`earshot.services` starts get :func:`child_environment`.

Source endpoints and credentials are not here: they live in dlt's own config
(``.dlt/config.toml``) and secrets (environment or ``.dlt/secrets.toml``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import sys
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TRANSFORM_DIR = PROJECT_ROOT / "transform"

# Switched off again for the processes Earshot starts, beside each tool's config.
TELEMETRY_OFF = {
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
HISTORY_START = "2020-01-01"


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


# How much memory DuckDB may take before it spills to disk, in dlt's loads (the
# spools' database while the pages are read, then the warehouse) and in dbt
# builds (transform/profiles.yml reads the same variable): a DuckDB size such
# as 2GB or 512MB. Unset, a load takes 768MB and a build 640MB: a load runs one
# query at a time, and a build one model at a time (DBT_THREADS). A load's
# process holds dlt and its Arrow batches beside DuckDB: at 1GB the L shop's
# Shopify load peaked at 1,624 MiB, at 768MB at 1,395 and 1,418 MiB. A build's
# process holds dbt (about 150 MiB), what the voice models' Python kept (about
# 200 MiB after them) and, in a Dagster run, the run's own process (about
# 280 MiB) beside DuckDB's buffers: at 768MB the L shop's Dagster run reached
# 1,534 MiB while voice_documents was built (its dbt process 1,238 MiB; that
# model alone 1,045 MiB at 768MB, 765 at 512MB); at 640MB two runs peaked at
# 1,388 and 1,500 MiB, and the L shop's dbt builds alone at 1,231 to 1,259 MiB
# (docs/benchmarks.md). With two dbt threads the L shop's builds needed 2GB (at
# 1GB, two heavy marts at once ran out of memory).
DUCKDB_MEMORY_LIMIT = "EARSHOT_DUCKDB_MEMORY_LIMIT"
LOAD_MEMORY_LIMIT = "768MB"
BUILD_MEMORY_LIMIT = "640MB"  # transform/profiles.yml's default
# The spools' database (ingestion/columnar.py) gets this share of a load's limit:
# DuckDB's limit bounds its own buffers, not the Arrow batches and the Python of the
# process around them. With the load's 768MB the L shop's Aircall load peaked at
# 962 MiB while its million calls were staged; with 512MB for the spools, at 841.
SPOOL_MEMORY_SHARE = 2 / 3
# How many models a dbt build runs at once (transform/profiles.yml; default 1).
DBT_THREADS = "EARSHOT_DBT_THREADS"


_DUCKDB_SIZE = re.compile(r"(\d+(?:\.\d+)?)\s*([KMGT]i?B|B|bytes)", re.IGNORECASE)
# DuckDB's units: KB, MB, ... count in thousands, KiB, MiB, ... in 1024s
_DUCKDB_UNITS = {"b": 1, "bytes": 1} | {
    unit: base**power
    for power, letter in enumerate("kmgt", 1)
    for unit, base in ((f"{letter}b", 1000), (f"{letter}ib", 1024))
}


def duckdb_memory_limit(default: str = LOAD_MEMORY_LIMIT) -> str:
    """DuckDB's memory limit: ``EARSHOT_DUCKDB_MEMORY_LIMIT``, or ``default`` (a load's 768MB;
    a dbt build's is ``BUILD_MEMORY_LIMIT``, 640MB)."""
    value = os.environ.get(DUCKDB_MEMORY_LIMIT, default).strip()
    if not _DUCKDB_SIZE.fullmatch(value):
        raise ValueError(
            f"{DUCKDB_MEMORY_LIMIT}={value!r}: give DuckDB a size such as 1GB, 1.5GB or 512MB"
        )
    return value


def duckdb_size(value: str) -> int:
    """Bytes in a DuckDB size such as ``768MB``, ``1.5GB`` or ``512MiB``."""
    number, unit = _DUCKDB_SIZE.fullmatch(value.strip()).groups()
    return int(float(number) * _DUCKDB_UNITS[unit.lower()])


def spool_memory_limit() -> str:
    """DuckDB's memory limit in a load's spools: :data:`SPOOL_MEMORY_SHARE` of the
    load's (:func:`duckdb_memory_limit`); 512MB of the default 768MB."""
    share = duckdb_size(duckdb_memory_limit()) * SPOOL_MEMORY_SHARE
    return f"{round(share / 1000**2)}MB"


def duckdb_load_config() -> dict[str, str | bool]:
    """DuckDB's settings in a load (the warehouse's connection and each spool's): its
    memory (:func:`duckdb_memory_limit`), given back to the system in the background
    once freed, as the dbt profile does."""
    return {"memory_limit": duckdb_memory_limit(), "allocator_background_threads": True}


@dataclass(frozen=True)
class Settings:
    """Where Earshot reads and writes, as one value handed to every layer."""

    warehouse: Path
    published: Path
    sources: tuple[str, ...] = SOURCES
    destination: str = "duckdb"
    history_start: str = HISTORY_START
    exports: Path = PROJECT_ROOT / "exports"

    @classmethod
    def from_env(cls) -> Settings:
        """The settings the environment gives (see the top of this module)."""
        return cls(
            warehouse=warehouse_path(),
            published=published_path(),
            sources=connected_sources(),
            destination=destination_name(),
            history_start=os.environ.get("EARSHOT_HISTORY_START", HISTORY_START),
            exports=_resolve(os.environ.get("EARSHOT_EXPORTS", "exports")),
        )

    def plain(self) -> dict[str, str | list[str]]:
        """The settings as plain values (paths as text, sources as a list): a config's fields."""
        return {field.name: _plain(getattr(self, field.name)) for field in dataclasses.fields(self)}

    @classmethod
    def plain_fields(cls) -> tuple[str, ...]:
        return tuple(field.name for field in dataclasses.fields(cls))

    @classmethod
    def from_plain(cls, values: Mapping[str, object]) -> Settings:
        """Settings from ``plain()``'s values, each turned back into its field's type."""
        hints = typing.get_type_hints(cls)
        return cls(
            **{
                field.name: (typing.get_origin(hints[field.name]) or hints[field.name])(
                    values[field.name]
                )
                for field in dataclasses.fields(cls)
            }
        )

    @property
    def dlt_pipelines_dir(self) -> Path:
        """Where dlt keeps pipeline state and load packages, next to the warehouse it fills."""
        return self.warehouse.parent / ".dlt_pipelines"

    @property
    def dbt_target_dir(self) -> Path:
        """Where Dagster's dbt runs on this warehouse keep their artefacts and parse cache.

        One folder per warehouse, reused by every run (runs on a warehouse take
        its lock one at a time): dbt re-parses only what changed since the last
        run, where a new folder per run would parse the whole project each time.
        """
        return self.warehouse.parent / ".dbt_target"

    @property
    def lock_path(self) -> Path:
        """The file that lets one process at a time write the warehouse."""
        return self.warehouse.with_name(f".{self.warehouse.name}.lock")


def _plain(value: object) -> str | list[str]:
    if isinstance(value, tuple):
        return [str(item) for item in value]
    return str(value)


def executable(name: str) -> str:
    """A command of the project's own virtual environment (``dbt``, ``dagster``), by path."""
    candidate = Path(sys.executable).parent / name
    return str(candidate) if candidate.exists() else name


def child_environment(settings: Settings, base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for a process Earshot starts (Dagster, Streamlit, dbt by hand).

    The settings as absolute paths (so a child in another working directory
    finds the same files), telemetry off, dlt's config read from the project
    whatever the working directory, and the virtual environment first on
    ``PATH``.
    """
    environment = dict(os.environ if base is None else base)
    for name, value in TELEMETRY_OFF.items():
        environment.setdefault(name, value)
    environment.setdefault("DLT_PROJECT_DIR", str(PROJECT_ROOT))
    environment["EARSHOT_WAREHOUSE"] = str(settings.warehouse)
    environment["EARSHOT_PUBLISHED"] = str(settings.published)
    environment["EARSHOT_SOURCES"] = ",".join(settings.sources)
    venv_bin = str(Path(sys.executable).parent)
    path = environment.get("PATH", "")
    if venv_bin not in path.split(os.pathsep):
        environment["PATH"] = venv_bin + os.pathsep + path
    return environment
