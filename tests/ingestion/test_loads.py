"""The sources against the twins: vendor fixtures, incremental days, reruns, bad records, faults."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import dlt
import duckdb
import orjson
import pytest

from earshot.settings import Settings
from ingestion import aircall, columnar
from ingestion.aircall import aircall_source
from ingestion.judgeme import judgeme_source
from ingestion.pipelines import load, make_pipeline
from ingestion.shopify import shopify_source
from sandbox import timeline
from sandbox.fixtures import dataset_from_payloads
from sandbox.limits import FaultPlan
from sandbox.server import Credentials, SandboxServer
from tests.conftest import Sandbox

FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "vendor"
CREDENTIALS = Credentials()
DAY = 86_400


def here() -> Settings:
    """The settings this test's environment gives (its own warehouse)."""
    return Settings.from_env()


def sources(url: str, **retry: float) -> dict[str, Callable[[], dlt.sources.DltSource]]:
    return {
        "shopify": lambda: shopify_source(
            shop_url=url, access_token=CREDENTIALS.shopify_access_token, **retry
        ),
        "aircall": lambda: aircall_source(
            base_url=url,
            api_id=CREDENTIALS.aircall_api_id,
            api_token=CREDENTIALS.aircall_api_token,
            **retry,
        ),
        "judgeme": lambda: judgeme_source(
            base_url=url,
            shop_domain=CREDENTIALS.judgeme_shop_domain,
            api_token=CREDENTIALS.judgeme_api_token,
            **retry,
        ),
    }


@pytest.fixture
def warehouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "warehouse" / "earshot.duckdb"
    monkeypatch.setenv("EARSHOT_WAREHOUSE", str(path))
    return path


@pytest.fixture
def twin(sandbox: Sandbox) -> Iterator[SandboxServer]:
    with SandboxServer(sandbox.data_dir, rate_limits="fast") as server:
        yield server


def load_all(url: str, names: tuple[str, ...] = ("shopify", "aircall", "judgeme"), **retry):
    made = sources(url, **retry)
    for name in names:
        load(make_pipeline(name, here()), made[name](), here())


def query(warehouse: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(warehouse), read_only=True) as connection:
        return connection.execute(sql).fetchall()


def table_exists(warehouse: Path, schema: str, table: str) -> bool:
    return bool(
        query(
            warehouse,
            "select 1 from information_schema.tables where table_schema = "
            f"'{schema}' and table_name = '{table}'",
        )
    )


# vendor fixtures --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def fixture_twin(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SandboxServer]:
    data = tmp_path_factory.mktemp("fixtures")
    dataset_from_payloads(FIXTURES, data)
    with SandboxServer(data, rate_limits="off") as server:
        yield server


def published(relative: str, key: str) -> list[dict]:
    return orjson.loads((FIXTURES / relative).read_bytes())[key]


def test_every_vendor_fixture_loads_typed(fixture_twin: SandboxServer, warehouse: Path) -> None:
    load_all(fixture_twin.url, ("shopify", "aircall"))
    orders = published("shopify/orders.json", "orders")
    assert query(warehouse, "select count(*) from raw_shopify.orders") == [(len(orders),)]
    assert query(warehouse, "select count(*) from raw_shopify.customers") == [(9,)]
    assert query(warehouse, "select count(*) from raw_shopify.products") == [(11,)]
    assert query(warehouse, "select count(*) from raw_aircall.calls") == [(4,)]
    assert not table_exists(warehouse, "raw_shopify", "quarantine")

    types = dict(
        query(
            warehouse,
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw_shopify' and table_name = 'orders'",
        )
    )
    assert types["total_price"] == "DECIMAL(18,2)"
    assert types["updated_at"] == "TIMESTAMP WITH TIME ZONE"
    loaded = {
        row[0]: row[1:]
        for row in query(
            warehouse,
            "select id, total_price, epoch(updated_at), customer__id from raw_shopify.orders",
        )
    }
    for order in orders:
        total, updated, customer = loaded[order["id"]]
        assert total == Decimal(order["total_price"])
        assert updated == timeline.epoch(order["updated_at"])
        assert customer == (order["customer"]["id"] if order.get("customer") else None)

    null_products = sum(1 for o in orders for li in o["line_items"] if li["product_id"] is None)
    assert null_products > 0
    assert query(
        warehouse, "select count(*) from raw_shopify.orders__line_items where product_id is null"
    ) == [(null_products,)]

    refund_lines = [
        (o["id"], line)
        for o in orders
        for r in o.get("refunds", [])
        for line in r["refund_line_items"]
    ]
    rows = query(
        warehouse,
        "select r.order_id, r.line_item_id, r.subtotal, l.order_id "
        "from raw_shopify.orders__refunds__refund_line_items as r "
        "left join raw_shopify.orders__line_items as l on r.line_item_id = l.id",
    )
    assert len(rows) == len(refund_lines) > 0
    subtotals = {line["line_item_id"]: Decimal(str(line["subtotal"])) for _, line in refund_lines}
    for order_id, line_item_id, subtotal, line_order in rows:
        assert line_order == order_id, "every refund line points at a line item of its own order"
        assert subtotal == subtotals[line_item_id]

    unanswered = [c["id"] for c in published("aircall/calls.json", "calls") if "user" not in c]
    users = dict(query(warehouse, "select id, user__id from raw_aircall.calls"))
    assert unanswered and all(users[call_id] is None for call_id in unanswered)


def test_a_line_removed_by_an_order_edit_leaves_the_warehouse(
    tmp_path: Path, warehouse: Path
) -> None:
    orders = published("shopify/orders.json", "orders")
    target = next(o for o in orders if len(o["line_items"]) >= 2)
    latest = max(timeline.epoch(o["updated_at"]) for o in orders)
    edited = {
        **target,
        "line_items": target["line_items"][:1],
        "refunds": [],
        "updated_at": datetime.fromtimestamp(latest + DAY).astimezone().isoformat(),
    }
    later = [edited if o["id"] == target["id"] else o for o in orders]
    for version, records in enumerate((orders, later)):
        payloads = tmp_path / f"payloads{version}" / "shopify"
        payloads.mkdir(parents=True)
        (payloads / "orders.json").write_bytes(orjson.dumps({"orders": records}))
        dataset_from_payloads(payloads.parent, tmp_path / f"shop{version}")
        with SandboxServer(tmp_path / f"shop{version}", rate_limits="off") as server:
            load_all(server.url, ("shopify",))

    lines = query(
        warehouse,
        f"select id from raw_shopify.orders__line_items where order_id = {target['id']}",
    )
    assert lines == [(target["line_items"][0]["id"],)]
    assert query(warehouse, "select count(*) from raw_shopify.orders") == [(len(orders),)]
    kept = query(warehouse, "select count(*) from raw_shopify.orders__line_items")[0][0]
    assert kept == sum(len(o["line_items"]) for o in later)


# incremental days ---------------------------------------------------------------------------
def expected_orders(sandbox: Sandbox, now: float) -> dict[int, tuple[float, int]]:
    state = {}
    for order in sandbox.records("shopify/orders.jsonl"):
        seen = timeline.order_at(order, now)
        if seen is not None:
            lines = sum(len(r["refund_line_items"]) for r in seen["refunds"])
            state[seen["id"]] = (timeline.epoch(seen["updated_at"]), lines)
    return state


def loaded_orders(warehouse: Path) -> dict[int, tuple[float, int]]:
    rows = query(
        warehouse,
        """
        select o.id, epoch(o.updated_at), count(r.id)
        from raw_shopify.orders as o
        left join raw_shopify.orders__refunds__refund_line_items as r on r.order_id = o.id
        group by 1, 2
    """,
    )
    return {row[0]: (row[1], row[2]) for row in rows}


def test_day_two_picks_up_new_and_changed_records_exactly(
    twin: SandboxServer, sandbox: Sandbox, warehouse: Path
) -> None:
    orders = sandbox.records("shopify/orders.jsonl")
    refunded = sorted(timeline.epoch(o["refunds"][0]["created_at"]) for o in orders if o["refunds"])
    day_one = refunded[len(refunded) // 2] - DAY  # a refund lands between the two days
    day_two = day_one + 3 * DAY

    twin.app.set_now(day_one)
    load_all(twin.url)
    assert loaded_orders(warehouse) == expected_orders(sandbox, day_one)
    cursor = query(warehouse, "select max(updated_at) from raw_shopify.orders")[0][0]

    twin.app.set_now(day_two)
    twin.app.log.clear()
    load_all(twin.url)
    assert loaded_orders(warehouse) == expected_orders(sandbox, day_two)
    assert expected_orders(sandbox, day_two) != expected_orders(sandbox, day_one)

    # Day two asked only for orders updated since day one's latest, in UTC.
    order_requests = [path for _, path, _ in twin.app.log if "/orders.json?" in path]
    assert order_requests
    sent = parse_qs(urlsplit(order_requests[0]).query)["updated_at_min"][0]
    assert datetime.fromisoformat(sent).timestamp() == cursor.timestamp()
    assert sent.endswith("+00:00")

    calls = {c["id"]: timeline.call_at(c, day_two) for c in sandbox.records("aircall/calls.jsonl")}
    calls = {k: v for k, v in calls.items() if v is not None}
    loaded_calls = dict(
        query(
            warehouse,
            "select c.id, count(t.call_id) from raw_aircall.calls c "
            "left join raw_aircall.calls__tags t on t.call_id = c.id "
            "group by 1",
        )
    )
    assert loaded_calls == {k: len(v["tags"]) for k, v in calls.items()}

    reviews = {
        r["id"]: timeline.review_at(r, day_two) for r in sandbox.records("judgeme/reviews.jsonl")
    }
    loaded_reviews = dict(query(warehouse, "select id, body from raw_judgeme.reviews"))
    assert loaded_reviews == {k: v["body"] for k, v in reviews.items() if v is not None}

    for table in ("raw_shopify.orders", "raw_aircall.calls", "raw_judgeme.reviews"):
        assert query(warehouse, f"select count(*) - count(distinct id) from {table}") == [(0,)]


def fingerprint(warehouse: Path) -> dict[str, list]:
    """Every row of the main tables, without dlt's per-load bookkeeping columns."""
    roots = ["raw_shopify.orders", "raw_aircall.calls", "raw_judgeme.reviews"]
    children = ["raw_shopify.orders__line_items", "raw_aircall.calls__tags"]
    prints = {}
    for table in roots + children:
        rows = query(
            warehouse, f"select columns(c -> c not like '\\_dlt\\_%' escape '\\') from {table}"
        )
        prints[table] = sorted(rows, key=repr)
    return prints


def test_the_same_load_twice_changes_nothing(
    twin: SandboxServer, sandbox: Sandbox, warehouse: Path
) -> None:
    twin.app.set_now(timeline.epoch(sandbox.records("shopify/orders.jsonl")[-1]["created_at"]))
    load_all(twin.url)
    first = fingerprint(warehouse)
    load_all(twin.url)
    assert fingerprint(warehouse) == first


def test_transcripts_are_fetched_and_spooled_a_page_at_a_time(
    twin: SandboxServer, sandbox: Sandbox, warehouse: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A long first load holds one page of transcripts at a time, and loads every one."""
    monkeypatch.setattr(aircall, "TRANSCRIPT_PAGE", 3)
    pages: list[int] = []
    add = columnar.Spool.add

    def counted(spool: columnar.Spool, records: list[dict]) -> None:
        if spool.layout.root == "transcripts":
            pages.append(len(records))
        add(spool, records)

    monkeypatch.setattr(columnar.Spool, "add", counted)
    calls = sandbox.records("aircall/calls.jsonl")
    twin.app.set_now(max(c["ended_at"] or c["started_at"] for c in calls) + DAY)
    load_all(twin.url, ("aircall",))

    transcripts = sandbox.records("aircall/transcripts.jsonl")
    assert len(transcripts) > 3
    assert max(pages) <= 3 and sum(pages) == len(transcripts)
    loaded = query(warehouse, "select id, call_id from raw_aircall.transcripts order by id")
    assert loaded == sorted((t["id"], t["call_id"]) for t in transcripts)


# bad records and faults ---------------------------------------------------------------------
def test_bad_records_are_set_aside_and_good_ones_load(
    twin: SandboxServer, sandbox: Sandbox, warehouse: Path
) -> None:
    twin.app.set_faults(FaultPlan(bad_record_rate=0.1, seed=3))
    load_all(twin.url, ("shopify", "judgeme"))
    orders = len(sandbox.records("shopify/orders.jsonl"))
    loaded = query(warehouse, "select count(*) from raw_shopify.orders")[0][0]
    set_aside = query(
        warehouse,
        "select record_id, reason, raw_record from raw_shopify.quarantine "
        "where resource = 'orders'",
    )
    assert 0 < len(set_aside) < orders * 0.2
    assert loaded + len(set_aside) == orders
    for _, reason, raw in set_aside:
        assert reason.split(":")[0] in ("id", "updated_at", "total_price", "created_at")
        assert orjson.loads(raw)
    reviews = query(warehouse, "select count(*) from raw_judgeme.reviews")[0][0]
    reviews_aside = query(warehouse, "select count(*) from raw_judgeme.quarantine")[0][0]
    assert reviews + reviews_aside == len(sandbox.records("judgeme/reviews.jsonl"))
    assert reviews_aside > 0


def test_transient_faults_are_survived_with_exact_counts(
    twin: SandboxServer, sandbox: Sandbox, warehouse: Path
) -> None:
    twin.app.set_faults(
        FaultPlan(
            error_rate=0.15,
            drop_rate=0.1,
            malformed_rate=0.1,
            storm_every=11,
            storm_length=1,
            seed=5,
        )
    )
    load_all(twin.url, max_attempts=12, backoff_seconds=0.01)
    assert query(warehouse, "select count(*) from raw_shopify.orders") == [
        (len(sandbox.records("shopify/orders.jsonl")),)
    ]
    assert query(warehouse, "select count(*) from raw_aircall.calls") == [
        (len(sandbox.records("aircall/calls.jsonl")),)
    ]
    assert query(warehouse, "select count(*) from raw_judgeme.reviews") == [
        (len(sandbox.records("judgeme/reviews.jsonl")),)
    ]


def test_an_api_that_keeps_failing_stops_the_run_clearly_and_loses_nothing(
    twin: SandboxServer, sandbox: Sandbox, warehouse: Path
) -> None:
    midway = timeline.epoch(sandbox.records("shopify/orders.jsonl")[200]["created_at"])
    twin.app.set_now(midway)
    load_all(twin.url, ("shopify",))
    before = loaded_orders(warehouse)
    twin.app.set_now(None)
    twin.app.set_faults(FaultPlan(error_rate=1.0, error_statuses=(503,)))
    with pytest.raises(Exception, match=r"shopify: GET .* answered 503 after 3 attempt"):
        load_all(twin.url, ("shopify",), max_attempts=3, backoff_seconds=0.01)
    assert loaded_orders(warehouse) == before
    twin.app.set_faults(FaultPlan())
    load_all(twin.url, ("shopify",))
    assert loaded_orders(warehouse) == expected_orders(sandbox, twin.app.now())


# crash safety ---------------------------------------------------------------------------------
# Killed while still fetching pages, and after the last page (normalizing or loading).
@pytest.mark.parametrize("requests_before_kill", [2, 4])
def test_a_load_killed_midway_completes_exactly_on_the_next_run(
    twin: SandboxServer, sandbox: Sandbox, warehouse: Path, requests_before_kill: int
) -> None:
    environment = {
        **os.environ,
        "EARSHOT_WAREHOUSE": str(warehouse),
        "SOURCES__SHOPIFY__SHOP_URL": twin.url,
    }
    command = [sys.executable, "-m", "ingestion.shopify"]
    twin.app.set_faults(FaultPlan(slow_rate=1.0, slow_seconds=0.3))
    victim = subprocess.Popen(
        command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    served = lambda: sum(n for key, n in twin.app.requests.items() if key.startswith("shopify"))  # noqa: E731
    while served() < requests_before_kill and victim.poll() is None:
        time.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    assert victim.wait() == -signal.SIGKILL, "the load was still running when it was killed"

    twin.app.set_faults(FaultPlan())
    rerun = subprocess.run(command, env=environment, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    assert loaded_orders(warehouse) == expected_orders(sandbox, twin.app.now())
    assert query(warehouse, "select count(*) - count(distinct id) from raw_shopify.customers") == [
        (0,)
    ]
    assert query(warehouse, "select count(*) from raw_shopify.customers") == [
        (len(sandbox.records("shopify/customers.jsonl")),)
    ]


# declared tables and columns ----------------------------------------------------------------
def test_every_declared_table_and_column_exists_from_the_first_load(
    tmp_path: Path, warehouse: Path
) -> None:
    """A sparse shop without transcripts: no refunds, discount codes or optional fields."""
    from ingestion.aircall import CALLS, TRANSCRIPTS
    from ingestion.judgeme import REVIEWS
    from ingestion.shopify import RESOURCES
    from sandbox.generate import Scale, Shape, generate

    shop = tmp_path / "shop"
    generate(
        shop,
        seed=4,
        scale=Scale(customers=20, orders=30, calls=20, reviews=20),
        shape=Shape(sparse=True, transcripts=False),
    )
    with SandboxServer(shop, rate_limits="off") as server:
        load_all(server.url)
    layouts = {
        "raw_shopify": [declared.layout for declared in RESOURCES.values()],
        "raw_aircall": [CALLS.layout, TRANSCRIPTS.layout],
        "raw_judgeme": [REVIEWS.layout],
    }
    missing = []
    for schema, schema_layouts in layouts.items():
        built: dict[str, set[str]] = {}
        for table, column in query(
            warehouse,
            "select table_name, column_name from information_schema.columns "
            f"where table_schema = '{schema}'",
        ):
            built.setdefault(table, set()).add(column)
        for layout in schema_layouts:
            for table, columns in layout.tables().items():
                missing += [
                    f"{schema}.{table}.{c}" for c in columns if c not in built.get(table, ())
                ]
    assert missing == []
    assert query(warehouse, "select count(*) from raw_aircall.transcripts") == [(0,)]
    assert query(warehouse, "select count(*) from raw_shopify.orders__discount_codes") == [(0,)]
    assert not table_exists(warehouse, "raw_shopify", "quarantine")
