"""How `pytest -n` (pytest-xdist) shares the suite between workers.

Tests that read one built warehouse run in one worker, so each warehouse is
built once per run: the session's pipeline run, the session's S shop, a
module's own shop, one shop shape. Other tests go to whichever worker is free,
one by one. Work starts in collection order, and the collection puts the
session's builds first and the other whole-pipeline tests next, so the longest
work starts first and quick tests fill in around it.

xdist's own ``xdist_group`` mark renames each test's node id, which pytest 9
no longer allows, so the workers write each test's group to a file and the
scheduler in the main process reads it (:class:`SharedBuildScheduling`).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from xdist.scheduler import LoadScopeScheduling

# the environment variable naming the file where workers write each test's group
GROUPS_FILE = "EARSHOT_TEST_GROUPS"
# session fixtures that build a warehouse: their tests stay together, and go first
SESSION_BUILDS = ("pipeline_run", "s_shop", "shop_run_once")


def group_of(item: pytest.Item) -> str | None:
    """The build ``item`` reads, or None for a test that builds nothing shared."""
    fixtures = getattr(item, "fixturenames", ())
    for build in SESSION_BUILDS:
        if build in fixtures:
            return build
    definitions = item._fixtureinfo.name2fixturedefs  # type: ignore[attr-defined]
    shared = [name for name, defs in definitions.items() if defs[-1].scope == "module"]
    if not shared:
        return None
    # one module's fixtures; each parameter of them (a shop shape) a build of its own
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec else {}
    values = [f"{name}={params[name]}" for name in shared if name in params]
    return item.module.__name__ + (f"[{', '.join(values)}]" if values else "")  # type: ignore[attr-defined]


def order(items: list[pytest.Item]) -> None:
    """Session builds first, then the other whole-pipeline and browser tests, then the rest."""

    def rank(item: pytest.Item) -> int:
        if group_of(item) in SESSION_BUILDS:
            return 0
        return 1 if item.get_closest_marker("e2e") or item.get_closest_marker("browser") else 2

    items.sort(key=rank)  # stable: each group keeps pytest's own order


def write_groups(items: list[pytest.Item]) -> None:
    """In a worker: each test's group, for the scheduler (every worker writes the same)."""
    path = Path(os.environ[GROUPS_FILE])
    groups = {item.nodeid: group for item in items if (group := group_of(item)) is not None}
    scratch = path.with_name(f"{path.name}.{os.getpid()}")
    scratch.write_text(json.dumps(groups))
    scratch.replace(path)


class SharedBuildScheduling(LoadScopeScheduling):
    """xdist's scope scheduling, with a test's scope its group (or the test alone)."""

    def __init__(self, config: pytest.Config, log=None) -> None:
        super().__init__(config, log)
        config.option.loadscopereorder = False  # keep the collection's order: longest first
        self._groups: dict[str, str] | None = None

    def _split_scope(self, nodeid: str) -> str:
        if self._groups is None:
            self._groups = json.loads(Path(os.environ[GROUPS_FILE]).read_text())
        return self._groups.get(nodeid, nodeid)
