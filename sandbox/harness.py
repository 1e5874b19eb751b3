"""Building a warehouse from a sandbox shop, step by step, as a scheduled run would.

Each step runs in its own process with the project's interpreter and dbt:
``load_sources`` runs the dlt sources against the twins (one after another, in
one process), ``dbt`` runs one dbt command on the warehouse. The answer-key
report and the tests that replay days use these.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from sandbox.server import SandboxServer, source_settings

ROOT = Path(__file__).resolve().parent.parent
# dbt's target folder, beside each warehouse (see dbt_command)
TARGET = "dbt_target"
SOURCES = ("shopify", "aircall", "judgeme")
LOAD_EACH = (
    "import sys\n"
    "from ingestion.pipelines import run_source\n"
    "for source in sys.argv[1:]:\n"
    "    run_source(source)\n"
)


def _environment(warehouse: Path, url: str | None = None) -> dict[str, str]:
    return {
        **os.environ,
        **(source_settings(url) if url else {}),
        "EARSHOT_WAREHOUSE": str(warehouse),
        "RUNTIME__DLTHUB_TELEMETRY": "false",
        "RUNTIME__LOG_LEVEL": "ERROR",
        "DO_NOT_TRACK": "1",
        "HF_HUB_OFFLINE": "1",
    }


def _run(command: list[str], env: dict[str, str], cwd: Path = ROOT) -> str:
    # the project's own interpreter and dbt, with arguments built here
    done = subprocess.run(  # noqa: S603
        command, env=env, capture_output=True, text=True, check=False, cwd=cwd
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command)} failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
        )
    return done.stdout


def load_sources(
    url: str,
    warehouse: Path,
    sources: tuple[str, ...] = SOURCES,
    settings: dict[str, str] | None = None,
) -> None:
    """Load ``sources`` from the twins at ``url`` into ``warehouse``.

    ``settings`` are further environment variables for the loads, such as
    ``SOURCES__AIRCALL__TRANSCRIPTS=false``.
    """
    warehouse.parent.mkdir(parents=True, exist_ok=True)
    # one process for every source, one after another (as `python -m ingestion.<source>`
    # each would), so dlt is imported once
    _run(
        [sys.executable, "-c", LOAD_EACH, *sources],
        {**_environment(warehouse, url), **(settings or {})},
    )


def copy_warehouse(warehouse: Path, folder: Path) -> Path:
    """A copy of ``warehouse`` in ``folder``, with dbt's target folder beside it (its parse
    cache), replacing what was there; returns the copy's path."""
    copy = folder / warehouse.name
    shutil.copy(warehouse, copy)
    shutil.rmtree(folder / TARGET, ignore_errors=True)
    if (warehouse.parent / TARGET).exists():
        shutil.copytree(warehouse.parent / TARGET, folder / TARGET)
    return copy


def dbt_command(
    warehouse: Path, *arguments: str, settings: dict[str, str] | None = None
) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of one dbt command on ``warehouse``, with
    ``settings`` added to the environment (``EARSHOT_LOOKBACK_HOURS``).

    dbt's target and log folders live beside the warehouse, so that builds of
    different warehouses never share a parse cache or a log.
    """
    workdir = warehouse.parent
    command = [
        str(Path(sys.executable).parent / "dbt"),
        *arguments,
        "--project-dir",
        str(ROOT / "transform"),
        "--profiles-dir",
        str(ROOT / "transform"),
        "--target-path",
        str(workdir / TARGET),
        "--log-path",
        str(workdir / "dbt_logs"),
    ]
    return command, {**_environment(warehouse), **(settings or {})}


# dbt's parse of the project, kept for the harness's next new warehouse (see dbt)
SHARED_PARSE = ROOT / "transform" / "target" / "harness" / "partial_parse.msgpack"


def dbt(warehouse: Path, *arguments: str, settings: dict[str, str] | None = None) -> str:
    """Run one dbt command (``"build"``, ``"build", "--full-refresh"``) on ``warehouse``,
    with ``settings`` added to its environment.

    dbt parses the project alike for every warehouse, but parses all of it again
    in a new target folder, or when the profile's warehouse path changes. So the
    command runs in the warehouse's folder and names it by its file name alone,
    which makes the profile the same for every warehouse the harness builds, and
    a new target folder starts from the last parse the harness kept; dbt's
    partial parsing then re-reads only the files that changed since. (A command
    given ``--vars`` parses all again, as its vars are not the others'.)
    """
    command, environment = dbt_command(warehouse, *arguments, settings=settings)
    environment["EARSHOT_WAREHOUSE"] = warehouse.name
    parse = warehouse.parent / TARGET / SHARED_PARSE.name
    shared = "--vars" not in arguments
    if shared and not parse.exists() and SHARED_PARSE.exists():
        parse.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED_PARSE, parse)
    printed = _run(command, environment, cwd=warehouse.parent)
    if shared and parse.exists():  # replaced whole: another process may be copying it
        SHARED_PARSE.parent.mkdir(parents=True, exist_ok=True)
        scratch = SHARED_PARSE.with_name(f"{SHARED_PARSE.name}.{os.getpid()}")
        shutil.copyfile(parse, scratch)
        scratch.replace(SHARED_PARSE)
    return printed


def build_warehouse(
    shop: Path,
    workdir: Path,
    progress: bool = False,
    sources: tuple[str, ...] = SOURCES,
    settings: dict[str, str] | None = None,
) -> Path:
    """Serve ``shop`` on loopback, load ``sources`` (all three by default), run ``dbt build``."""
    warehouse = workdir / "earshot.duckdb"
    with SandboxServer(shop, rate_limits="fast") as server:
        if progress:
            print("loading", ", ".join(sources), flush=True)
        load_sources(server.url, warehouse, sources, settings)
    if progress:
        print("dbt build", flush=True)
    dbt(warehouse, "build")
    return warehouse
