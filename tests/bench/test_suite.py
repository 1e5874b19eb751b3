"""`make bench`'s bookkeeping: steps kept between runs, and the table's place in the docs."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from earshot.settings import PROJECT_ROOT
from tests.pipeline import PipelineRun

sys.path.insert(0, str(PROJECT_ROOT / "bench"))

import suite


def _stage(seconds: float) -> list[suite.Stage]:
    return [suite.Stage("load shopify (dlt, from the API)", 10, seconds, 1, 2**20, "base", 2.0)]


def test_a_resumed_run_keeps_the_steps_an_earlier_run_finished(tmp_path: Path) -> None:
    record = tmp_path / "steps.json"
    calls: list[str] = []

    def measure(name: str, seconds: float):
        def run() -> list[suite.Stage]:
            calls.append(name)
            return _stage(seconds)

        return run

    first = suite.Steps(record)
    assert first.stages("load shopify", measure("load shopify", 1.5)) == _stage(1.5)

    def stopped() -> list[suite.Stage]:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        first.stages("dbt", stopped)

    again = suite.Steps(record)
    kept = again.stages("load shopify", measure("load shopify", 9.9))
    rest = again.stages("dbt", measure("dbt", 3.0))

    assert kept == _stage(1.5)
    assert rest == _stage(3.0)
    assert calls == ["load shopify", "dbt"]


def test_without_a_record_every_run_measures_again(tmp_path: Path) -> None:
    suite.Steps(None).stages("load shopify", lambda: _stage(1.0))

    assert suite.Steps(None).stages("load shopify", lambda: _stage(2.0)) == _stage(2.0)
    assert list(tmp_path.iterdir()) == []


def test_a_kept_step_whose_output_is_gone_is_measured_again(tmp_path: Path) -> None:
    record, warehouse = tmp_path / "steps.json", tmp_path / "day" / "earshot.duckdb"

    def build(seconds: float):
        def run() -> list[suite.Stage]:
            warehouse.parent.mkdir(exist_ok=True)
            warehouse.write_bytes(b"built")
            return _stage(seconds)

        return run

    suite.Steps(record).stages("dbt day 1 built", build(1.0), (warehouse,))
    kept = suite.Steps(record).stages("dbt day 1 built", build(2.0), (warehouse,))
    warehouse.unlink()
    again = suite.Steps(record).stages("dbt day 1 built", build(3.0), (warehouse,))

    assert kept == _stage(1.0)
    assert again == _stage(3.0)
    assert warehouse.exists()


def test_a_scale_s_table_replaces_its_own_section_only(tmp_path: Path) -> None:
    docs = tmp_path / "benchmarks.md"
    docs.write_text(
        "# Benchmarks\n\n<!-- make bench S: start -->\nold S\n<!-- make bench S: end -->\n\n"
        "<!-- make bench M: start -->\nold M\n<!-- make bench M: end -->\n\n## After\n"
    )

    suite.write_section(docs, "S", "new S table")
    suite.write_section(docs, "L", "new L table")

    text = docs.read_text()
    assert "old S" not in text and "new S table" in text
    assert "old M" in text and "## After" in text
    assert text.index("new S table") < text.index("old M") < text.index("new L table")


def test_a_child_s_peak_is_its_own_not_the_memory_of_the_process_that_started_it() -> None:
    from _process import run_child

    held = bytearray(600 * 2**20)  # this process holds 600 MiB while it starts the child
    held[::4096] = b"x" * len(held[::4096])
    grows = (
        "import time; block = bytearray(150 * 2**20); "
        "block[::4096] = b'y' * (len(block) // 4096); time.sleep(0.6)"
    )

    _, peak = run_child([sys.executable, "-c", grows], dict(os.environ))

    assert 150 * 2**20 < peak < 400 * 2**20
    del held


def test_a_peak_counts_a_process_started_from_a_worker_thread() -> None:
    from _process import run_child

    # the child starts a 300 MiB grandchild from a thread, as py4j starts Spark's JVM
    grandchild = (
        "import time; block = bytearray(300 * 2**20); "
        "block[::4096] = b'z' * (len(block) // 4096); time.sleep(1.0)"
    )
    child = (
        "import subprocess, sys, threading\n"
        f"start = lambda: subprocess.run([sys.executable, '-c', {grandchild!r}], check=True)\n"
        "worker = threading.Thread(target=start)\n"
        "worker.start()\n"
        "worker.join()\n"
    )

    _, peak = run_child([sys.executable, "-c", child], dict(os.environ))

    assert peak > 300 * 2**20


def test_a_peak_adds_up_a_process_and_the_child_it_holds_memory_beside() -> None:
    """A dbt build and its encoder's process hold memory at once: the peak is their sum."""
    from _process import run_child

    holds = (
        "import time; block = bytearray(250 * 2**20); "
        "block[::4096] = b'h' * (len(block) // 4096); time.sleep({seconds})"
    )
    parent = (
        "import subprocess, sys\n"
        f"child = subprocess.Popen([sys.executable, '-c', {holds.format(seconds=1.5)!r}])\n"
        f"exec({holds.format(seconds=1.5)!r})\n"
        "child.wait()\n"
    )

    _, peak = run_child([sys.executable, "-c", parent], dict(os.environ))

    assert peak > 500 * 2**20  # two of 250 MiB, where the larger alone is under 300

    from _process import tree_rss_mib

    running = subprocess.Popen([sys.executable, "-c", parent])
    try:
        readings = []
        for _ in range(40):  # until both hold their blocks
            time.sleep(0.1)
            readings.append(tree_rss_mib(running.pid))
    finally:
        running.wait()
    assert max(own for own, _ in readings) > 250
    assert max(others for _, others in readings) > 250


def test_a_peak_counts_once_the_pages_a_forked_worker_shares_with_its_parent() -> None:
    """dlt forks its normalize workers: until one writes a page, the page is the
    parent's and the worker's at once, and the machine holds it once."""
    from _process import run_child

    parent = (
        "import os, time\n"
        "block = bytearray(300 * 2**20)\n"
        "block[::4096] = b'p' * (len(block) // 4096)\n"
        "if os.fork() == 0:\n"
        "    time.sleep(1.5)\n"
        "    os._exit(0)\n"
        "time.sleep(1.5)\n"
        "os.wait()\n"
    )

    _, peak = run_child([sys.executable, "-c", parent], dict(os.environ))

    # both map the 300 MiB for 1.5 s: a sum of their RSS would read over 600
    assert 300 * 2**20 < peak < 450 * 2**20


def test_a_process_listed_under_two_threads_is_counted_once(tmp_path: Path) -> None:
    """The kernel's per-thread children lists can name one child twice while processes
    start and end; the tree's memory counts it once."""
    from _process import _kib, _tree

    def process(pid: int, rss_kib: int, children_by_thread: dict[int, str]) -> None:
        folder = tmp_path / str(pid)
        (folder / "task").mkdir(parents=True)
        (folder / "status").write_text(f"Name:\tp{pid}\nVmRSS:\t{rss_kib} kB\n")
        for tid, children in children_by_thread.items():
            (folder / "task" / str(tid)).mkdir()
            (folder / "task" / str(tid) / "children").write_text(children)

    process(10, 1000, {10: "20 ", 11: "20 30 "})  # 20 on the lists of two of its threads
    process(20, 5000, {20: ""})
    process(30, 700, {30: ""})

    # a made-up /proc: its pids are not this machine's processes, so none shares another's memory
    found = [
        (pid, _kib(status, "VmRSS"))
        for pid, status in _tree(10, proc=tmp_path, same_memory=lambda *_: False)
    ]

    assert sorted(found) == [(10, 1000), (20, 5000), (30, 700)]


def test_a_child_in_its_parent_s_address_space_is_not_counted_twice(tmp_path: Path) -> None:
    """Java starts a command with vfork: until the command runs, the child is the JVM's
    own memory under another pid, and counting it would double the JVM."""
    from _process import _kib, _tree, shares_memory

    for pid, rss_kib, children in (
        (10, 900_000, "20 30 "),
        (20, 900_000, "40 "),
        (30, 5_000, ""),
        (40, 1, ""),
    ):
        folder = tmp_path / str(pid)
        (folder / "task" / str(pid)).mkdir(parents=True)
        (folder / "status").write_text(f"Name:\tp{pid}\nVmRSS:\t{rss_kib} kB\n")
        (folder / "task" / str(pid) / "children").write_text(children)

    found = _tree(10, proc=tmp_path, same_memory=lambda child, parent: (child, parent) == (20, 10))

    assert sorted((pid, _kib(status, "VmRSS")) for pid, status in found) == [
        (10, 900_000),
        (30, 5_000),
        (40, 1),  # what the vforked child went on to start is its own
    ]
    # the kernel's answer for real processes: a process shares its own, not its child's
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(2)"])
    try:
        assert shares_memory(os.getpid(), os.getpid())
        assert not shares_memory(child.pid, os.getpid())
    finally:
        child.kill()
        child.wait()


def test_a_run_of_some_groups_takes_the_others_from_the_record(tmp_path: Path) -> None:
    record, warehouse = tmp_path / "steps.json", tmp_path / "day" / "earshot.duckdb"
    everything = suite.Steps(record)
    with everything.of("loads"):
        everything.stages("load shopify", lambda: _stage(1.0))
    with everything.of("dbt"):
        everything.stages("dbt day 1 built", lambda: _stage(2.0), (warehouse,))

    only_dagster = suite.Steps(record, only={"dagster"})
    # another machine: the dbt group's warehouse is gone, but its figures stand
    with only_dagster.of("dbt"):
        kept = only_dagster.stages("dbt day 1 built", lambda: _stage(9.0), (warehouse,))
    with only_dagster.of("dagster"):
        measured = only_dagster.stages("dagster", lambda: _stage(3.0))
    with only_dagster.of("spark"), pytest.raises(suite.NotMeasuredError):
        only_dagster.stages("spark", lambda: _stage(4.0))

    assert kept == _stage(2.0)
    assert measured == _stage(3.0)
    assert sorted(suite.Steps(record).done) == ["dagster", "dbt day 1 built", "load shopify"]


def test_each_kept_figure_names_the_commit_and_day_it_was_measured_at(tmp_path: Path) -> None:
    record = tmp_path / "steps.json"
    suite.Steps(record).stages("load shopify", lambda: _stage(1.0))

    kept = suite.Steps(record)

    assert kept.done["load shopify"]["commit"] == suite.commit()
    assert len(kept.provenance()) == 1
    assert kept.provenance()[0].startswith(suite.commit().split()[0] + " ")


def test_a_table_measured_across_runs_names_each_commit(tmp_path: Path) -> None:
    record = tmp_path / "steps.json"
    figures = [asdict_stage(1.0)]
    record.write_text(
        json.dumps(
            {
                "load shopify": {"figures": figures, "commit": "aaa1111", "date": "2026-12-01"},
                "dagster": {"figures": figures, "commit": "bbb2222", "date": "2026-12-02"},
            }
        )
    )

    text = suite.table("L", 1, _stage(1.0), {}, suite.Steps(record))

    assert "aaa1111 on 2026-12-01; bbb2222 on 2026-12-02" in text
    assert "load shopify (dlt, from the API) | 10 | 1.0 s" in text
    assert "Sizes" not in text  # no stage that sizes a warehouse ran
    assert "sum of their proportional set sizes" in text


def asdict_stage(seconds: float) -> dict:
    return dataclasses.asdict(_stage(seconds)[0])


def test_a_run_that_measures_nothing_writes_the_record_s_table_and_what_is_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record, docs = tmp_path / "L.json", tmp_path / "benchmarks.md"
    kept = {"figures": None, "commit": "aaa1111", "date": "2026-12-01"}
    loads = [dataclasses.asdict(stage) for stage in _stage(448.5)]
    record.write_text(
        json.dumps(
            {
                "generate the shop": {
                    **kept,
                    "figures": {"seconds": 270.0, "peak": 2**20, "records": 7},
                },
                **{f"load {source}": {**kept, "figures": loads} for source in suite.SOURCES},
            }
        )
    )
    arguments = ["suite.py", "--scale", "L", "--no-spark", "--only", "--record", str(record)]
    monkeypatch.setattr(sys, "argv", [*arguments, "--work", str(tmp_path), "--docs", str(docs)])

    suite.main()

    text = docs.read_text()
    assert "load shopify (dlt, from the API) | 10 | 448.5 s" in text
    assert "Not measured yet: dbt, dagster" in text
    assert not (tmp_path / "shop-L-7" / "generation.json").exists()


def test_a_dagster_bench_run_s_settings_last_for_that_run_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import orchestration_bench

    monkeypatch.setenv("EARSHOT_LOOKBACK_HOURS", "72")
    monkeypatch.delenv("EARSHOT_WINDOW_START", raising=False)

    with orchestration_bench.environment(
        {"EARSHOT_LOOKBACK_HOURS": "0", "EARSHOT_WINDOW_START": "2026-01-01"}
    ):
        inside = (os.environ["EARSHOT_LOOKBACK_HOURS"], os.environ["EARSHOT_WINDOW_START"])

    assert inside == ("0", "2026-01-01")
    assert os.environ["EARSHOT_LOOKBACK_HOURS"] == "72"
    assert "EARSHOT_WINDOW_START" not in os.environ


def test_a_checkout_s_commit_is_not_marked_for_what_the_benchmark_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def git(*arguments: str) -> None:
        subprocess.run(["git", *arguments], cwd=tmp_path, check=True, capture_output=True)

    for name in ("bench/records/L-7.json", "docs/benchmarks.md", "transform/model.sql"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("before\n")
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=e", "-c", "user.email=e@example.com", "commit", "-qm", "start")
    monkeypatch.setattr(suite, "PROJECT_ROOT", tmp_path)
    head = suite.commit()

    (tmp_path / "bench/records/L-7.json").write_text("after\n")
    (tmp_path / "docs/benchmarks.md").write_text("after\n")
    own_outputs_changed = suite.commit()
    (tmp_path / "transform/model.sql").write_text("after\n")
    code_changed = suite.commit()

    assert len(head) >= 7
    assert own_outputs_changed == head
    assert code_changed == f"{head} with changes"


def test_a_sampled_peak_is_what_a_process_and_its_children_held_during_the_block() -> None:
    """A later part of a long command (a Dagster run with nothing new) gets its own peak."""
    from _process import sampled_peak

    holds = (
        "import time; block = bytearray(200 * 2**20); "
        "block[::4096] = b'h' * (len(block) // 4096); time.sleep(1.0)"
    )
    with sampled_peak(every=0.05) as before:
        time.sleep(0.2)
    with sampled_peak(every=0.05) as during:
        subprocess.run([sys.executable, "-c", holds], check=True)
    with sampled_peak(every=0.05) as after:
        time.sleep(0.2)

    assert during() > before() + 150 * 2**20  # the child's 200 MiB, read while it ran
    assert after() < during() - 150 * 2**20  # gone with the child, not carried over


def test_the_bench_s_daily_and_full_builds_leave_out_what_the_schedule_s_build_does() -> None:
    from types import SimpleNamespace

    import dbt_bench

    from orchestration.defs.transform.assets import build_args

    scheduled = build_args(SimpleNamespace(settings=SimpleNamespace(warehouse=Path("w"))))

    assert dbt_bench.SCHEDULED[0] == scheduled[0] == "build"
    assert " ".join(dbt_bench.SCHEDULED[1:]) in " ".join(scheduled)


def test_a_measured_copy_reuses_the_parse_done_for_its_own_path(tmp_path: Path) -> None:
    import dbt_bench
    import duckdb

    from sandbox import harness

    day = tmp_path / "day" / "earshot.duckdb"
    day.parent.mkdir()
    duckdb.connect(str(day)).close()
    (day.parent / "dbt_target").mkdir()

    copy = dbt_bench.parsed_copy_of(day, "daily", dbt_bench.DAILY)
    command, environment = harness.dbt_command(
        copy, "ls", "--select", "int_weeks", settings=dbt_bench.DAILY
    )
    listed = subprocess.run(command, env=environment, capture_output=True, text=True, check=True)

    assert "earshot.intermediate.calendar.int_weeks" in listed.stdout
    log = (copy.parent / "dbt_logs" / "dbt.log").read_text()
    assert log.count("Partial parsing enabled, no changes found") == 1
    assert copy.parent == tmp_path / "daily"


@pytest.mark.parametrize(
    ("ratio", "cell"), [(0.1036, "0.104x"), (0.0984, "0.098x"), (1.554, "1.55x"), (44.81, "44.81x")]
)
def test_a_ratio_below_one_keeps_three_decimals_so_no_target_is_rounded_onto(
    ratio: float, cell: str
) -> None:
    stage = suite.Stage("dbt daily build", None, 13.6, 3, None, "full build: 130.8 s", ratio)

    assert stage.cells()[-1] == cell


@pytest.mark.e2e
def test_the_dashboards_row_renders_every_page_against_the_queries_it_sends(
    pipeline_run: PipelineRun, tmp_path: Path
) -> None:
    import dashboard_bench

    stage = suite.dashboards(pipeline_run.published, 1, tmp_path)

    figures = json.loads((tmp_path / "dashboards.json").read_text())
    assert sorted(figures["queries_ms"]) == sorted(dashboard_bench.PAGES)
    assert all(figures["queries_ms"].values()), "a page sent no query"
    queries = sum(len(page) for page in figures["queries_ms"].values())
    assert stage.name == suite.DASHBOARDS
    assert (stage.runs, stage.seconds) == (1, figures["rounds"][0])
    assert stage.baseline.startswith(f"its {queries} queries in DuckDB: ")
    # the queries are timed inside the pages' renders: a round takes longer than its queries
    assert stage.ratio is not None and stage.ratio > 1
    assert stage.peak_rss and stage.peak_rss > 0
