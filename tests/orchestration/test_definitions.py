"""The Dagster definitions load and the asset graph runs from the APIs to the dashboards."""

import os
import subprocess
import sys

import dagster as dg
import pytest


@pytest.fixture(scope="module")
def defs() -> dg.Definitions:
    from orchestration.definitions import defs

    return defs()


def test_definitions_validate(defs: dg.Definitions) -> None:
    dg.Definitions.validate_loadable(defs)


def test_graph_runs_from_raw_tables_to_the_published_marts(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"raw_shopify/orders", "raw_aircall/calls", "raw_judgeme/reviews"} <= keys
    assert {"marts/theme_weekly", "marts/customer_cohorts", "marts/product_demand_weekly"} <= keys
    published = dg.AssetKey(["published", "marts"])
    parents = graph.get(published).parent_keys
    marts = {key for key in keys if key.startswith("marts/")}
    assert {key.to_user_string() for key in parents} == marts
    assert {"marts/customers", "marts/voice_vs_silent", "marts/call_outcomes_weekly"} <= marts
    # Staging reads the tables the dlt assets load: the graph is joined end to end.
    staging = graph.get(dg.AssetKey(["staging", "stg_shopify__orders"]))
    assert dg.AssetKey(["raw_shopify", "orders"]) in staging.parent_keys
    assert graph.get(dg.AssetKey(["raw_shopify", "orders"])).is_materializable


def test_dbt_tests_are_asset_checks_on_every_mart(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    checked = {check.asset_key.to_user_string() for check in graph.asset_check_keys}
    marts = {
        key.to_user_string()
        for key in graph.get_all_asset_keys()
        if key.to_user_string().startswith("marts/")
    }
    assert marts and marts <= checked


def test_every_warehouse_writer_shares_the_single_writer_pool(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    pools = {}
    for key in graph.get_all_asset_keys():
        node = graph.get(key)
        if node.is_materializable:
            pools[key.to_user_string()] = node.pools
    assert pools and all(value == {"warehouse"} for value in pools.values()), pools


def test_a_run_executes_its_steps_in_its_own_process(defs: dg.Definitions) -> None:
    """A step per process would build the definitions again for each step (the S shop's
    nothing-new run: 159.4 s against 44.3 s); the steps that write queue for one slot."""
    for job in ("daily_refresh", "hourly_voice_load"):
        assert defs.resolve_job_def(job).executor_def.name == dg.in_process_executor.name


def test_daily_schedule_refreshes_everything(defs: dg.Definitions) -> None:
    schedule = defs.resolve_schedule_def("daily_refresh_schedule")
    assert schedule.cron_schedule == "0 5 * * *"
    job = defs.resolve_job_def("daily_refresh")
    assert dg.AssetKey(["published", "marts"]) in job.asset_layer.executable_asset_keys


def test_instance_config_is_valid_and_limits_the_warehouse_pool(tmp_path) -> None:
    from earshot.settings import PROJECT_ROOT

    (tmp_path / "dagster.yaml").write_text(
        (PROJECT_ROOT / "orchestration" / "dagster.yaml").read_text()
    )
    with dg.DagsterInstance.from_config(str(tmp_path)) as instance:
        assert instance.get_settings("telemetry")["enabled"] is False
        assert instance.get_concurrency_config().pool_config.default_pool_limit == 1


def test_manifest_is_stale_once_a_model_changes(tmp_path) -> None:
    from orchestration.defs.transform.resources import manifest_is_stale, prepared_project

    assert not manifest_is_stale(prepared_project())
    project = tmp_path / "project"
    (project / "models").mkdir(parents=True)
    model = project / "models" / "a.sql"
    model.write_text("select 1 as a")
    manifest = project / "target" / "manifest.json"
    manifest.parent.mkdir()
    manifest.write_text("{}")

    class Project:
        project_dir = project
        manifest_path = manifest

    assert not manifest_is_stale(Project)
    later = manifest.stat().st_mtime + 10
    os.utime(model, (later, later))
    assert manifest_is_stale(Project)
    manifest.unlink()
    assert manifest_is_stale(Project)


def run_probe(probe: str, **environment: str) -> str:
    """What a fresh Python process running ``probe`` printed; it must succeed."""
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env={**os.environ, **environment},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_a_source_the_shop_has_not_connected_gets_no_load_asset() -> None:
    """With EARSHOT_SOURCES=shopify, Aircall and Judge.me are nothing Dagster would run
    (Earshot's own decisions load whichever vendors a shop connects)."""
    probe = (
        "import dagster as dg\n"
        "from orchestration.definitions import defs\n"
        "graph = defs().resolve_asset_graph()\n"
        "print(sorted(k.to_user_string() for k in graph.get_all_asset_keys() "
        "if graph.get(k).is_materializable and k.path[0].startswith('raw_')))\n"
    )
    loaded = run_probe(probe, EARSHOT_SOURCES="shopify").splitlines()[-1]
    assert loaded == (
        "['raw_earshot/decisions', 'raw_shopify/customers', 'raw_shopify/orders', "
        "'raw_shopify/products']"
    )


def test_importing_the_definitions_does_no_work() -> None:
    """Importing parses no dbt project, starts no process and opens no warehouse: the
    definitions are built when Dagster loads them."""
    probe = (
        # the libraries first: they may look around as they import; Earshot's modules may not
        "import subprocess, duckdb, dagster, dagster_dbt, dlt\n"
        "def refuse(*a, **k):\n"
        "    raise AssertionError('work on import')\n"
        "subprocess.Popen.__init__ = refuse\n"
        "duckdb.connect = refuse\n"
        "import orchestration.definitions\n"
        "import orchestration.defs.transform.assets, orchestration.defs.ingestion.exports\n"
        "import orchestration.defs.schedules.definitions, orchestration.defs.publish.assets\n"
        "print('imported')\n"
    )
    assert run_probe(probe) == "imported"


def test_building_the_definitions_leaves_dlt_to_the_steps_that_load() -> None:
    """Every process of a run builds the definitions (a step's own, in production); only a
    load's step needs dlt, about 50 MiB of each other process (267 against 217 MiB)."""
    probe = (
        "import sys, orchestration.definitions as definitions\n"
        "definitions.defs()\n"
        "print(sorted(name for name in sys.modules if name == 'dlt' or name.startswith('dlt.')))\n"
    )
    assert run_probe(probe).splitlines()[-1] == "[]"


def test_raw_assets_are_keyed_as_the_dbt_sources_meta_names_them(defs: dg.Definitions) -> None:
    import json

    from orchestration.defs.transform.resources import prepared_project

    manifest = json.loads(prepared_project().manifest_path.read_text())
    named = {
        tuple(source["meta"]["dagster"]["asset_key"]) for source in manifest["sources"].values()
    }
    graph = defs.resolve_asset_graph()
    loaded = {
        tuple(key.path)
        for key in graph.get_all_asset_keys()
        if key.path[0].startswith("raw_") and not key.path[1].endswith("_exports")
    }
    assert named == loaded


def test_sources_and_models_are_daily_partitioned_and_backfill_in_one_run(
    defs: dg.Definitions,
) -> None:
    graph = defs.resolve_asset_graph()
    for key in [
        dg.AssetKey(["raw_shopify", "orders"]),
        dg.AssetKey(["raw_aircall", "calls"]),
        dg.AssetKey(["raw_judgeme", "reviews"]),
        dg.AssetKey(["intermediate", "int_voice_texts"]),
        dg.AssetKey(["marts", "theme_weekly"]),
    ]:
        node = graph.get(key)
        assert isinstance(node.partitions_def, dg.DailyPartitionsDefinition), key
        assert node.backfill_policy == dg.BackfillPolicy.single_run(), key
    assert graph.get(dg.AssetKey(["published", "marts"])).partitions_def is None


def test_loads_retry_with_backoff(defs: dg.Definitions) -> None:
    job = defs.resolve_implicit_global_asset_job_def()
    policy = job.graph.node_named("load_shopify").definition.retry_policy
    assert policy is not None and policy.max_retries >= 2
    assert policy.backoff == dg.Backoff.EXPONENTIAL


def test_dashboards_are_assets_downstream_of_the_published_marts(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    dashboards = [key for key in graph.get_all_asset_keys() if key.path[0] == "dashboards"]
    assert {key.path[1] for key in dashboards} >= {"themes_dashboard", "cohorts_dashboard"}
    for key in dashboards:
        assert graph.get(key).parent_keys == {dg.AssetKey(["published", "marts"])}
        assert not graph.get(key).is_materializable


def test_csv_exports_are_assets_upstream_of_the_models_that_read_their_tables(
    defs: dg.Definitions,
) -> None:
    graph = defs.resolve_asset_graph()
    calls = graph.get(dg.AssetKey(["staging", "stg_aircall__calls"]))
    assert dg.AssetKey(["raw_aircall", "call_exports"]) in calls.parent_keys
    reviews = graph.get(dg.AssetKey(["staging", "stg_judgeme__reviews"]))
    assert dg.AssetKey(["raw_judgeme", "review_exports"]) in reviews.parent_keys
    orders = graph.get(dg.AssetKey(["staging", "stg_shopify__orders"]))
    assert not any(key.path[1].endswith("_exports") for key in orders.parent_keys)


def test_schedules_and_sensors(defs: dg.Definitions) -> None:
    hourly = defs.resolve_schedule_def("hourly_voice_load_schedule")
    assert hourly.cron_schedule == "15 * * * *"
    job = defs.resolve_job_def("hourly_voice_load")
    assert {key.path[0] for key in job.asset_layer.executable_asset_keys} == {
        "raw_aircall",
        "raw_judgeme",
    }
    sensor = defs.resolve_sensor_def("csv_exports_landed")
    assert sensor.job_name == "load_csv_exports"
    recorded = defs.resolve_sensor_def("decisions_recorded")
    decisions = defs.resolve_job_def(recorded.job_name)
    assert {key.to_user_string() for key in decisions.asset_layer.executable_asset_keys} == {
        "raw_earshot/decisions",
        "staging/stg_earshot__decisions",
        "marts/decisions",
        "marts/decisions_monthly",
        "published/marts",
    }
