"""Runs as an engineer launches them: a malformed load is stopped before publication, a
backfill rebuilds what a full run builds, two runs at once take turns, CSV exports
dropped in the watched folder start a run through the sensor, and a dbt build that ran
out of memory is run once more.

Each test serves its own small sandbox shop and runs on a warehouse of its own. The XS
shop is run whole once (``shop_run_once``); the backfill compares against those marts, and
the tests of runs on a shop that has run before start from a copy of that warehouse. The
whole graph on the S shop reads the session's S shop (the ``s_shop`` fixture), and the
decisions sensor the session's pipeline run.
"""

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from earshot.settings import Settings
from sandbox.generate import HISTORY_END, SCALES, generate
from sandbox.server import SandboxServer
from tests.conftest import BuiltShop, sandbox_environment
from tests.pipeline import PipelineRun

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]


# per session, not per module: each test builds its own warehouse, so under `pytest -n`
# the tests spread over the workers and each worker generates this small shop once
@pytest.fixture(scope="session")
def shop_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("runs_shop")
    generate(data, seed=5, scale=SCALES["XS"])
    return data


@dataclass
class Shop:
    """A twin and a warehouse of its own, with the environment pointing at both."""

    server: SandboxServer
    warehouse: Path
    environment: dict[str, str]

    def run(self, job: str = "daily_refresh", **options) -> dg.ExecuteInProcessResult:
        from orchestration.definitions import defs
        from orchestration.defs.partitions import today_key

        if "tags" not in options:
            options.setdefault("partition_key", today_key())
        with dg.DagsterInstance.ephemeral() as instance:
            return (
                defs()
                .resolve_job_def(job)
                .execute_in_process(instance=instance, raise_on_error=False, **options)
            )

    def marts(self) -> dict[str, list[tuple]]:
        """Every mart's rows, sorted, without the load bookkeeping columns, floats to 9 places."""
        with duckdb.connect(str(self.warehouse), read_only=True) as connection:
            tables = connection.execute(
                "select table_name from information_schema.tables where table_schema = 'marts'"
            ).fetchall()
            found = {}
            for (table,) in tables:
                columns = [
                    name
                    for (name,) in connection.execute(
                        "select column_name from information_schema.columns "
                        "where table_schema = 'marts' and table_name = ? order by ordinal_position",
                        [table],
                    ).fetchall()
                    if "load" not in name
                ]
                listed = ", ".join(f'"{c}"' for c in columns)
                rows = connection.execute(f'select {listed} from marts."{table}"').fetchall()
                # floats summed in another order differ in their last bits
                rows = [
                    tuple(round(v, 9) if isinstance(v, float) else v for v in row) for row in rows
                ]
                found[table] = sorted(rows, key=repr)
        return found


@dataclass(frozen=True)
class ShopRunOnce:
    """The XS shop's folder (warehouse, published marts, dlt's and dbt's state) after
    one whole run at the shop's end, and the marts that run built."""

    folder: Path
    marts: dict[str, list[tuple]]


def shop_environment(server: SandboxServer, folder: Path) -> dict[str, str]:
    return {
        **sandbox_environment(server.url, folder / "earshot.duckdb"),
        "EARSHOT_EXPORTS": str(folder / "exports"),
    }


@pytest.fixture(scope="session")
def shop_run_once(shop_data: Path, tmp_path_factory: pytest.TempPathFactory) -> ShopRunOnce:
    """The XS shop run whole once at its end, for the tests that start from a shop that
    has run before (one worker runs them all: tests/scheduling.py)."""
    folder = tmp_path_factory.mktemp("runs_built") / "w"
    with (
        SandboxServer(shop_data, rate_limits="fast", now=HISTORY_END) as server,
        pytest.MonkeyPatch.context() as patch,
    ):
        environment = shop_environment(server, folder)
        for key, value in environment.items():
            patch.setenv(key, value)
        shop = Shop(server, folder / "earshot.duckdb", environment)
        assert shop.run().success
        return ShopRunOnce(folder, shop.marts())


@pytest.fixture
def serve(shop_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator:
    servers: list[SandboxServer] = []

    def start(
        data: Path = shop_data, now=None, name: str = "w", built: ShopRunOnce | None = None
    ) -> Shop:
        """A twin of ``data`` and a warehouse of its own: empty, or a copy of ``built``'s."""
        server = SandboxServer(data, rate_limits="fast", now=now).start()
        servers.append(server)
        if built is not None:
            shutil.copytree(built.folder, tmp_path / name)
        warehouse = tmp_path / name / "earshot.duckdb"
        environment = shop_environment(server, warehouse.parent)
        for key, value in environment.items():
            monkeypatch.setenv(key, value)
        return Shop(server, warehouse, environment)

    yield start
    for server in servers:
        server.stop()


def dbt_full_parses(warehouse: Path) -> list[bool]:
    """For each dbt command Dagster ran on a warehouse, oldest first: did dbt parse the
    whole project (rather than reuse its last parse)? Read from dbt's own JSON log."""
    invocations: dict[str, tuple[str, bool]] = {}
    for log in (warehouse.parent / ".dbt_target").glob("dbt.log*"):
        for line in log.read_text().splitlines():
            info = json.loads(line)["info"]
            first, full = invocations.get(info["invocation_id"], (info["ts"], False))
            invocations[info["invocation_id"]] = (
                min(first, info["ts"]),
                full or info["name"] == "UnableToPartialParse",
            )
    return [full for _, full in sorted(invocations.values())]


def materialized(result: dg.ExecuteInProcessResult) -> set[str]:
    return {
        event.asset_key.to_user_string()
        for event in result.get_asset_materialization_events()
        for event in [event.materialization]
    }


def test_a_broken_record_fails_its_landing_check_and_blocks_publishing(
    shop_data: Path, tmp_path: Path, serve
) -> None:
    broken = tmp_path / "broken_shop"
    subprocess.run(["cp", "-r", str(shop_data), str(broken)], check=True)
    orders = broken / "shopify" / "orders.jsonl"
    lines = orders.read_text().splitlines()
    record = json.loads(lines[3])
    record.update(currency="ZZZ", total_price="-12.50")
    lines[3] = json.dumps(record)
    orders.write_text("\n".join(lines) + "\n")
    shop = serve(broken)

    result = shop.run()

    checks = {
        (e.asset_key.to_user_string(), e.check_name): e
        for e in result.get_asset_check_evaluations()
    }
    landing = checks[("raw_shopify/orders", "landing_contract")]
    assert not landing.passed
    failing = json.dumps(landing.metadata["failing_rows"].value)
    assert str(record["id"]) in failing and "ZZZ" in failing
    assert "currency" in landing.description and "total_price" in landing.description
    # other sources' checks pass; nothing downstream of the bad load is built or published
    assert checks[("raw_judgeme/reviews", "landing_contract")].passed
    built = materialized(result)
    assert "raw_shopify/orders" in built
    assert not any(key.startswith(("staging/", "marts/", "published/")) for key in built)
    assert not Path(shop.environment["EARSHOT_PUBLISHED"]).exists()


def test_a_three_day_backfill_rebuilds_what_a_full_run_builds(
    serve, shop_run_once: ShopRunOnce
) -> None:
    end = HISTORY_END  # midnight UTC: the twins' clock for the finished shop
    expected = shop_run_once.marts  # the shop run whole at its end

    # the same shop loaded three days before its end, then backfilled over those days
    late = serve(now=end - timedelta(days=3), name="late")
    assert late.run().success
    before = late.marts()
    late.server.app.set_now(end.timestamp())
    days = [(end - timedelta(days=n)).strftime("%Y-%m-%d") for n in (3, 2, 1)]
    backfill = late.run(
        tags={
            "dagster/asset_partition_range_start": days[0],
            "dagster/asset_partition_range_end": days[-1],
        }
    )

    assert backfill.success
    # the window reaches dbt without changing its vars: only the warehouse's first
    # dbt command (the first run's build) parsed the whole project, the backfill's
    # build reused that parse
    parses = dbt_full_parses(late.warehouse)
    assert len(parses) >= 2 and not any(parses[1:])
    partitions = {
        event.materialization.partition
        for event in backfill.get_asset_materialization_events()
        if event.asset_key == dg.AssetKey(["raw_shopify", "orders"])
    }
    assert partitions == set(days)
    assert before != expected  # the first load missed those days
    assert late.marts() == expected


def test_two_runs_launched_at_once_both_succeed_and_load_nothing_twice(
    serve, shop_data: Path, shop_run_once: ShopRunOnce
) -> None:
    shop = serve(name="together", built=shop_run_once)
    script = (
        "import sys, dagster as dg\n"
        "from orchestration.definitions import defs\n"
        "from orchestration.defs.partitions import today_key\n"
        "job = defs().resolve_job_def(sys.argv[1])\n"
        "with dg.DagsterInstance.ephemeral() as instance:\n"
        "    result = job.execute_in_process(instance=instance, partition_key=today_key(),"
        " raise_on_error=False)\n"
        "sys.exit(0 if result.success else 1)\n"
    )
    environment = {**os.environ, **shop.environment}
    runs = [
        subprocess.Popen(  # both start before either finishes
            [sys.executable, "-c", script, job],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for job in ("daily_refresh", "hourly_voice_load")
    ]
    outputs = [run.communicate(timeout=1800)[0] for run in runs]
    for run, output in zip(runs, outputs, strict=True):
        assert run.returncode == 0, output[-3000:]
        assert "Could not set lock" not in output
    assert any("waiting for the warehouse" in output for output in outputs)
    # run again over what the first run loaded, each record is still there once
    with duckdb.connect(str(shop.warehouse), read_only=True) as connection:
        for table, records in (
            ("raw_shopify.orders", "shopify/orders.jsonl"),
            ("raw_aircall.calls", "aircall/calls.jsonl"),
            ("raw_judgeme.reviews", "judgeme/reviews.jsonl"),
        ):
            with (shop_data / records).open() as handle:
                expected = sum(1 for line in handle if line.strip())
            assert connection.execute(
                f"select count(*), count(distinct id) from {table}"
            ).fetchone() == (expected, expected), table


def test_a_runs_loads_and_checks_run_in_one_worker_process_that_the_run_ends(serve) -> None:
    """dlt and Great Expectations are imported by the run's worker process, not the run's
    own, which is alive beside dbt's and the encoder's; the run's steps share one worker,
    and it has ended when the run has."""
    shop = serve(name="worker")
    probe = (
        "import os, sys, dagster as dg\n"
        "from pathlib import Path\n"
        "from orchestration.definitions import defs\n"
        "from orchestration.defs.partitions import today_key\n"
        "keys = [dg.AssetKey(['raw_shopify', t]) for t in ('orders', 'customers', 'products')]\n"
        "keys.append(dg.AssetKey(['raw_judgeme', 'reviews']))\n"
        "job = defs().resolve_job_def('daily_refresh')\n"
        "with dg.DagsterInstance.ephemeral() as instance:\n"
        "    result = job.execute_in_process(instance=instance, partition_key=today_key(),"
        " asset_selection=keys)\n"
        "    said = [e.user_message for e in instance.all_logs(result.run_id)]\n"
        "print(result.success)\n"
        "print(sorted({e.asset_key.path[0] for e in result.get_asset_materialization_events()}))\n"
        "print(sorted({(c.check_name, c.passed) for c in result.get_asset_check_evaluations()}))\n"
        "print(sorted(n for n in ('dlt', 'great_expectations') if n in sys.modules))\n"
        "print(sum('started the worker process' in m for m in said))\n"
        "mine = str(os.getpid())\n"
        "def worker_of_mine(proc):\n"
        "    try:\n"
        "        parent = (proc / 'stat').read_text().rsplit(')', 1)[1].split()[1]\n"
        "        command = (proc / 'cmdline').read_bytes()\n"
        "    except OSError:\n"
        "        return False\n"
        "    return parent == mine and b'-m\\x00orchestration.worker' in command\n"
        "print(sum(worker_of_mine(p) for p in Path('/proc').glob('[0-9]*')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={**os.environ, **shop.environment},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    success, loaded, checks, imported, started, workers_left = done.stdout.splitlines()[-6:]
    assert success == "True"
    assert loaded == "['raw_judgeme', 'raw_shopify']"
    landing = ("dbt_source_freshness", "landing_contract", "quarantine_share", "rows_not_emptied")
    assert checks == str([(name, True) for name in landing])
    assert imported == "[]"
    assert started == "1"
    assert workers_left == "0"


CALLS_HEADER = (
    "date (TZ offset incl.),time (TZ offset incl.),duration (total),duration (in call),"
    "from,to,answered,missed_call_reason,user,comments,tags\n"
)


def test_a_csv_export_dropped_in_the_watched_folder_starts_a_run(
    serve, shop_run_once: ShopRunOnce
) -> None:
    from orchestration.definitions import defs
    from orchestration.defs.resources import EarshotResource

    shop = serve(name="exports", built=shop_run_once)  # a shop that has run: its models exist
    definitions = defs()
    sensor = definitions.resolve_sensor_def("csv_exports_landed")
    earshot = EarshotResource.from_settings(Settings.from_env())
    with dg.DagsterInstance.ephemeral() as instance:
        with dg.build_sensor_context(instance=instance, resources={"earshot": earshot}) as idle:
            assert [type(r) for r in sensor(idle)] == [dg.SkipReason]

        folder = Path(shop.environment["EARSHOT_EXPORTS"]) / "aircall"
        folder.mkdir(parents=True)
        (folder / "calls-week-48.csv").write_text(
            CALLS_HEADER
            + "2026-11-24,10:12:00+00:00,0:05:10,0:04:50,+1 415-555-0100,+1 888-555-0100,yes,,"
            'Jamie Lee,"Asked when the parka is back in stock",support\n'
        )
        with dg.build_sensor_context(instance=instance, resources={"earshot": earshot}) as context:
            requests = [r for r in sensor(context) if isinstance(r, dg.RunRequest)]
        assert len(requests) == 1
        request = requests[0]
        assert request.tags["earshot/exports"] == "aircall"

        result = definitions.resolve_job_def(sensor.job_name).execute_in_process(
            instance=instance,
            partition_key=request.partition_key,
            tags=request.tags,
            raise_on_error=False,
        )
        assert result.success
        assert {"raw_aircall/call_exports", "published/marts"} <= materialized(result)
        with dg.build_sensor_context(
            instance=instance, cursor=context.cursor, resources={"earshot": earshot}
        ) as again:
            assert not [r for r in sensor(again) if isinstance(r, dg.RunRequest)]

    with duckdb.connect(str(shop.warehouse), read_only=True) as connection:
        texts = connection.execute(
            "select document_text from marts.voice_documents where source = 'aircall_comment' "
            "and document_text like '%parka is back in stock%'"
        ).fetchall()
    assert texts


def test_a_decision_recorded_in_the_dashboards_starts_a_run_that_counts_it(
    pipeline_run: PipelineRun,
) -> None:
    from earshot import decisions
    from orchestration.definitions import defs
    from orchestration.defs.resources import EarshotResource

    # the session's built shop: the run the sensor starts rebuilds only what counts decisions
    settings = Settings.from_env()
    assert settings.published == pipeline_run.published
    definitions = defs()
    sensor = definitions.resolve_sensor_def("decisions_recorded")
    earshot = EarshotResource.from_settings(settings)
    with duckdb.connect(str(settings.published), read_only=True) as connection:
        [(product, decided_on)] = connection.execute(
            "select product_title, max(week_start) - 70 from marts.product_demand_weekly "
            "group by 1 order by sum(units) desc limit 1"
        ).fetchall()
    with dg.DagsterInstance.ephemeral() as instance:
        # whatever this session recorded before is seen once; then the sensor waits
        with dg.build_sensor_context(instance=instance, resources={"earshot": earshot}) as first:
            list(sensor(first))
        with dg.build_sensor_context(
            instance=instance, cursor=first.cursor, resources={"earshot": earshot}
        ) as idle:
            assert [type(r) for r in sensor(idle)] == [dg.SkipReason]

        reorder = decisions.Decision(decided_on, "reorder", "Reordered 200", product_title=product)
        decisions.record(reorder, decisions.store_path(settings.published))
        with dg.build_sensor_context(
            instance=instance, cursor=first.cursor, resources={"earshot": earshot}
        ) as context:
            [request] = [r for r in sensor(context) if isinstance(r, dg.RunRequest)]
        result = definitions.resolve_job_def(sensor.job_name).execute_in_process(
            instance=instance, partition_key=request.partition_key, tags=request.tags
        )
        assert result.success
        assert {"raw_earshot/decisions", "marts/decisions_monthly", "published/marts"} <= (
            materialized(result)
        )
        # only what counts decisions is rebuilt, not the whole graph
        assert "marts/customers" not in materialized(result)
        with dg.build_sensor_context(
            instance=instance, cursor=context.cursor, resources={"earshot": earshot}
        ) as again:
            assert not [r for r in sensor(again) if isinstance(r, dg.RunRequest)]

    with duckdb.connect(str(settings.published), read_only=True) as connection:
        counted = connection.execute(
            "select is_demand_decision, is_outcome_due, demand_followed is not null "
            "from marts.decisions where decision_id = ?",
            [reorder.decision_id],
        ).fetchall()
        month = connection.execute(
            "select decisions, conversations > 0 from marts.decisions_monthly "
            "where month_start = date_trunc('month', cast(? as date))",
            [decided_on],
        ).fetchall()
    # ten weeks before the data ends: the four weeks after it have passed
    assert counted == [(True, True, True)]
    assert month == [(1, True)]


def test_the_whole_graph_on_the_s_shop_passes_every_check(s_shop: BuiltShop) -> None:
    from orchestration.definitions import defs

    result = s_shop.run.result

    assert result.success
    graph = defs().resolve_asset_graph()
    evaluated = {
        (e.asset_key.to_user_string(), e.check_name): e.passed
        for e in result.get_asset_check_evaluations()
    }
    every = {(key.asset_key.to_user_string(), key.name) for key in graph.asset_check_keys}
    assert set(evaluated) == every
    assert [key for key, passed in evaluated.items() if not passed] == []
    built = materialized(result)
    assert {key.to_user_string() for key in graph.materializable_asset_keys} == built


def dbt_asset_keys() -> list[dg.AssetKey]:
    from orchestration.definitions import defs

    (dbt_assets,) = [
        assets
        for assets in defs().assets or []
        if isinstance(assets, dg.AssetsDefinition) and assets.op.name == "earshot_dbt_assets"
    ]
    return sorted(dbt_assets.keys)


def test_a_dbt_build_that_runs_out_of_memory_runs_once_more_then_fails(
    serve, shop_run_once: ShopRunOnce, monkeypatch: pytest.MonkeyPatch
) -> None:
    shop = serve(built=shop_run_once)
    monkeypatch.setenv("EARSHOT_DUCKDB_MEMORY_LIMIT", "1MB")

    result = shop.run(asset_selection=dbt_asset_keys())

    assert not result.success
    events = [e for e in result.all_events if e.step_key == "earshot_dbt_assets"]
    kinds = [e.event_type_value for e in events]
    assert kinds.count("STEP_UP_FOR_RETRY") == 1
    assert kinds.count("STEP_RESTARTED") == 1
    assert kinds[-1] == "STEP_FAILURE"
    assert "Out of Memory Error" in str(events[-1].event_specific_data.error)
