"""Rate limits, time travel, faults and fixtures, against running twins."""

import time
from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest
import requests

from sandbox import timeline
from sandbox.fixtures import dataset_from_payloads
from sandbox.limits import FaultPlan, LeakyBucket, MinuteWindow
from sandbox.server import Credentials, SandboxServer
from tests.conftest import Sandbox

CREDENTIALS = Credentials()
SHOPIFY = {"X-Shopify-Access-Token": CREDENTIALS.shopify_access_token}
AIRCALL = (CREDENTIALS.aircall_api_id, CREDENTIALS.aircall_api_token)
JUDGEME = {
    "api_token": CREDENTIALS.judgeme_api_token,
    "shop_domain": CREDENTIALS.judgeme_shop_domain,
}
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "vendor"


@pytest.fixture
def twin(sandbox: Sandbox) -> Iterator[SandboxServer]:
    """A private twin over the session's shop, so tests can change its clock and faults."""
    with SandboxServer(sandbox.data_dir, rate_limits="off") as server:
        yield server


def orders(server: SandboxServer, **params: object) -> requests.Response:
    return requests.get(
        f"{server.url}/admin/api/2025-01/orders.json", params=params, headers=SHOPIFY, timeout=10
    )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# rate limits ------------------------------------------------------------------------------
def test_leaky_bucket_admits_40_then_drains_two_per_second() -> None:
    clock = FakeClock()
    bucket = LeakyBucket(40, 2.0, clock)
    assert all(bucket.take()[0] for _ in range(40))
    assert bucket.take() == (False, 40)
    clock.now += 0.5
    assert bucket.take() == (True, 40)
    assert bucket.take()[0] is False
    clock.now += 20
    assert bucket.take() == (True, 1)


def test_minute_window_admits_60_and_resets_next_minute() -> None:
    clock = FakeClock()
    clock.now = 600.0
    window = MinuteWindow(60, clock)
    answers = [window.take() for _ in range(61)]
    assert all(allowed for allowed, _ in answers[:60])
    allowed, headers = answers[60]
    assert not allowed
    assert headers == {
        "X-AircallApi-Limit": "60",
        "X-AircallApi-Remaining": "0",
        "X-AircallApi-Reset": "660",
    }
    assert answers[0][1]["X-AircallApi-Remaining"] == "59"
    clock.now = 660.0
    assert window.take()[0]


def test_shopify_throttles_with_a_float_retry_after(sandbox: Sandbox) -> None:
    with SandboxServer(sandbox.data_dir, rate_limits="vendor") as server:
        session = requests.Session()
        answers = [
            session.get(f"{server.url}/admin/api/2025-01/orders/count.json", headers=SHOPIFY)
            for _ in range(60)
        ]
    throttled = [a for a in answers if a.status_code == 429]
    assert throttled, "60 requests at once overflow a 40-request bucket"
    assert throttled[0].headers["Retry-After"] == "2.0"
    assert "Exceeded 2 calls per second" in throttled[0].json()["errors"]
    assert answers[0].headers["X-Shopify-Shop-Api-Call-Limit"] == "1/40"
    assert throttled[0].headers["X-Shopify-Shop-Api-Call-Limit"] == "40/40"


def test_aircall_throttles_after_60_a_minute(sandbox: Sandbox) -> None:
    with SandboxServer(sandbox.data_dir, rate_limits="vendor") as server:
        session = requests.Session()
        answers = []
        # 121 requests overflow a 60-per-minute window even if one minute boundary passes.
        for _ in range(121):
            answers.append(
                session.get(f"{server.url}/v1/calls", params={"per_page": 1}, auth=AIRCALL)
            )
            if answers[-1].status_code == 429:
                break
    limited = answers[-1]
    assert limited.status_code == 429
    assert limited.headers["X-AircallApi-Limit"] == "60"
    assert limited.headers["X-AircallApi-Remaining"] == "0"
    assert int(limited.headers["X-AircallApi-Reset"]) % 60 == 0
    assert answers[-2].headers["X-AircallApi-Remaining"] == "0"


def test_fast_and_off_modes_admit_a_burst(sandbox: Sandbox) -> None:
    for mode in ("fast", "off"):
        with SandboxServer(sandbox.data_dir, rate_limits=mode) as server:
            session = requests.Session()
            statuses = {
                session.get(
                    f"{server.url}/admin/api/2025-01/orders/count.json", headers=SHOPIFY
                ).status_code
                for _ in range(100)
            }
        assert statuses == {200}, mode


# contract details -------------------------------------------------------------------------
def test_unknown_api_version_is_served_as_the_oldest(twin: SandboxServer) -> None:
    response = requests.get(
        f"{twin.url}/admin/api/2019-01/orders.json", headers=SHOPIFY, timeout=10
    )
    assert response.status_code == 200
    assert response.headers["X-Shopify-API-Version"] == "2024-10"


@pytest.mark.parametrize(
    "params", [{"limit": 0}, {"status": "shipped"}, {"updated_at_min": "yesterday"}]
)
def test_shopify_rejects_bad_parameters(twin: SandboxServer, params: dict) -> None:
    assert orders(twin, **params).status_code == 400


def test_previous_link_returns_the_page_before(twin: SandboxServer) -> None:
    first = orders(twin, limit=20, status="any")
    next_url = first.headers["Link"].split(";")[0].strip("<>")
    second = requests.get(next_url, headers=SHOPIFY, timeout=10)
    links = {
        part.split(";")[1].strip(): part.split(";")[0].strip().strip("<>")
        for part in second.headers["Link"].split(",")
    }
    back = requests.get(links['rel="previous"'], headers=SHOPIFY, timeout=10)
    assert [o["id"] for o in back.json()["orders"]] == [o["id"] for o in first.json()["orders"]]


def test_transcription_exists_only_for_transcribed_calls(
    twin: SandboxServer, sandbox: Sandbox
) -> None:
    transcript = sandbox.records("aircall/transcripts.jsonl")[0]
    found = requests.get(
        f"{twin.url}/v1/calls/{transcript['call_id']}/transcription", auth=AIRCALL, timeout=10
    )
    assert found.status_code == 200
    assert found.json() == {"transcription": transcript}
    transcribed = {t["call_id"] for t in sandbox.records("aircall/transcripts.jsonl")}
    other = next(
        c["id"] for c in sandbox.records("aircall/calls.jsonl") if c["id"] not in transcribed
    )
    missing = requests.get(f"{twin.url}/v1/calls/{other}/transcription", auth=AIRCALL, timeout=10)
    assert missing.status_code == 404


def test_aircall_reaches_at_most_10000_calls_per_query(tmp_path: Path) -> None:
    calls = tmp_path / "aircall" / "calls.jsonl"
    calls.parent.mkdir(parents=True)
    calls.write_bytes(
        b"".join(
            orjson.dumps({"id": 1 + i, "started_at": 1_700_000_000 + i, "direction": "inbound"})
            + b"\n"
            for i in range(10_050)
        )
    )
    with SandboxServer(tmp_path, rate_limits="off") as server:
        last = requests.get(
            f"{server.url}/v1/calls", params={"per_page": 50, "page": 200}, auth=AIRCALL
        ).json()
        beyond = requests.get(
            f"{server.url}/v1/calls", params={"per_page": 50, "page": 201}, auth=AIRCALL
        ).json()
    assert last["meta"]["total"] == 10_050
    assert last["calls"][-1]["id"] == 10_000
    assert last["meta"]["next_page_link"] is None
    assert beyond["calls"] == []


# time travel ------------------------------------------------------------------------------
def test_orders_appear_and_late_refunds_arrive_as_days_pass(
    twin: SandboxServer, sandbox: Sandbox
) -> None:
    refunded = next(o for o in sandbox.records("shopify/orders.jsonl") if o["refunds"])
    refunded_at = timeline.epoch(refunded["refunds"][0]["created_at"])
    created = timeline.epoch(refunded["created_at"])

    twin.app.set_now(created - 1)
    ids = {o["id"] for o in orders(twin, status="any", limit=250).json()["orders"]}
    assert refunded["id"] not in ids

    twin.app.set_now(refunded_at - 1)
    before = orders(twin, status="any", ids=str(refunded["id"])).json()["orders"]
    day_one = next(o for o in before if o["id"] == refunded["id"])
    assert day_one["refunds"] == []
    assert timeline.epoch(day_one["updated_at"]) < refunded_at

    twin.app.set_now(refunded_at + 86_400)
    changed = orders(twin, status="any", limit=250, updated_at_min=day_one["updated_at"]).json()[
        "orders"
    ]
    day_two = next(o for o in changed if o["id"] == refunded["id"])
    assert len(day_two["refunds"]) == 1
    assert timeline.epoch(day_two["updated_at"]) == refunded_at


def test_calls_gain_tags_and_notes_after_they_end(twin: SandboxServer, sandbox: Sandbox) -> None:
    call = next(c for c in sandbox.records("aircall/calls.jsonl") if c["comments"])
    first_change = min(call["tags"][0]["tagged_at"], call["comments"][0]["posted_at"])
    twin.app.set_now(call["ended_at"])
    ended = requests.get(f"{twin.url}/v1/calls/{call['id']}", auth=AIRCALL, timeout=10).json()
    assert first_change > call["ended_at"]
    assert ended["call"]["tags"] == [] or ended["call"]["comments"] == []
    twin.app.set_now(call["ended_at"] + 3 * 86_400)
    later = requests.get(f"{twin.url}/v1/calls/{call['id']}", auth=AIRCALL, timeout=10).json()
    assert later["call"] == call


def test_edited_reviews_change_after_the_edit(twin: SandboxServer, sandbox: Sandbox) -> None:
    review = next(
        r for r in sandbox.records("judgeme/reviews.jsonl") if r["updated_at"] != r["created_at"]
    )
    twin.app.set_now(timeline.epoch(review["updated_at"]) - 1)
    before = requests.get(
        f"{twin.url}/api/v1/reviews", params={**JUDGEME, "per_page": 100, "page": 1}, timeout=10
    )
    pages = [before.json()["reviews"]]
    page = 1
    while len(pages[-1]) == 100:
        page += 1
        pages.append(
            requests.get(
                f"{twin.url}/api/v1/reviews",
                params={**JUDGEME, "per_page": 100, "page": page},
                timeout=10,
            ).json()["reviews"]
        )
    earlier = next(r for p in pages for r in p if r["id"] == review["id"])
    assert timeline.EDIT_MARKER not in earlier["body"]
    assert earlier["updated_at"] == review["created_at"]
    assert review["body"].startswith(earlier["body"])


def test_now_can_be_set_over_http(twin: SandboxServer, sandbox: Sandbox) -> None:
    answer = requests.post(f"{twin.url}/_sandbox/now", json={"now": "2025-06-01T00:00:00Z"})
    assert answer.status_code == 200
    now = timeline.epoch("2025-06-01T00:00:00Z")
    assert answer.json()["now"] == now
    count = requests.get(
        f"{twin.url}/admin/api/2025-01/orders/count.json",
        params={"status": "any"},
        headers=SHOPIFY,
    ).json()["count"]
    expected = sum(
        1 for o in sandbox.records("shopify/orders.jsonl") if timeline.epoch(o["created_at"]) <= now
    )
    assert 0 < count == expected < sandbox.counts["orders"]


# faults -----------------------------------------------------------------------------------
def test_error_rate_answers_5xx(twin: SandboxServer) -> None:
    twin.app.set_faults(FaultPlan(error_rate=1.0))
    statuses = {orders(twin).status_code for _ in range(30)}
    assert statuses <= {500, 502, 503} and len(statuses) > 1


def test_429_storm_comes_in_runs(twin: SandboxServer) -> None:
    twin.app.set_faults(FaultPlan(storm_every=5, storm_length=3))
    statuses = [orders(twin).status_code for _ in range(12)]
    assert statuses == [200] * 4 + [429] * 3 + [200] * 2 + [429] * 3
    assert orders(twin).headers.get("Retry-After") in (None, "2.0")


def test_slow_responses_wait(twin: SandboxServer) -> None:
    twin.app.set_faults(FaultPlan(slow_rate=1.0, slow_seconds=0.3))
    started = time.perf_counter()
    assert orders(twin).status_code == 200
    assert time.perf_counter() - started >= 0.3


def test_dropped_connection_cuts_the_body(twin: SandboxServer) -> None:
    twin.app.set_faults(FaultPlan(drop_rate=1.0))
    with pytest.raises(requests.exceptions.RequestException):
        orders(twin, status="any")


def test_malformed_page_is_not_json(twin: SandboxServer) -> None:
    twin.app.set_faults(FaultPlan(malformed_rate=1.0))
    response = orders(twin, status="any")
    assert response.status_code == 200
    with pytest.raises(ValueError):
        response.json()


def test_bad_records_are_the_same_every_time(twin: SandboxServer) -> None:
    clean = orders(twin, status="any", limit=250).json()["orders"]
    twin.app.set_faults(FaultPlan(bad_record_rate=0.3, seed=4))
    first = orders(twin, status="any", limit=250).json()["orders"]
    second = orders(twin, status="any", limit=250).json()["orders"]
    assert first == second
    spoiled = [served for served, good in zip(first, clean, strict=True) if served != good]
    assert 0.15 < len(spoiled) / len(clean) < 0.45
    for record in spoiled:
        broken = [
            name
            for name in ("id", "updated_at", "total_price", "created_at")
            if name not in record
            or isinstance(record[name], dict)
            or record[name] == "not-a-number"
        ]
        assert broken, record


def test_faults_can_be_set_over_http(twin: SandboxServer) -> None:
    answer = requests.post(f"{twin.url}/_sandbox/faults", json={"error_rate": 1.0})
    assert answer.json()["faults"]["error_rate"] == 1.0
    assert orders(twin).status_code >= 500
    bad = requests.post(f"{twin.url}/_sandbox/faults", json={"eror_rate": 1.0})
    assert bad.status_code == 400 and "eror_rate" in bad.json()["error"]


# vendor fixtures --------------------------------------------------------------------------
def test_vendor_fixtures_are_served_unchanged(tmp_path: Path) -> None:
    dataset_from_payloads(FIXTURES, tmp_path)
    published = {
        name: orjson.loads((FIXTURES / f"shopify/{name}.json").read_bytes())[name]
        for name in ("orders", "customers", "products")
    }
    calls = orjson.loads((FIXTURES / "aircall/calls.json").read_bytes())["calls"]
    refunds = orjson.loads((FIXTURES / "shopify/refunds.json").read_bytes())["refunds"]
    with SandboxServer(tmp_path, rate_limits="off") as server:
        for name, records in published.items():
            served = requests.get(
                f"{server.url}/admin/api/2024-04/{name}.json",
                params={"limit": 250, "status": "any"} if name == "orders" else {"limit": 250},
                headers=SHOPIFY,
            ).json()[name]
            assert sorted(served, key=lambda r: r["id"]) == sorted(records, key=lambda r: r["id"])
        served_calls = requests.get(
            f"{server.url}/v1/calls", params={"per_page": 50}, auth=AIRCALL
        ).json()["calls"]
        assert sorted(served_calls, key=lambda c: c["id"]) == sorted(calls, key=lambda c: c["id"])
        order_id = refunds[0]["order_id"]
        served_refunds = requests.get(
            f"{server.url}/admin/api/2024-04/orders/{order_id}/refunds.json", headers=SHOPIFY
        ).json()["refunds"]
        assert served_refunds == [r for r in refunds if r["order_id"] == order_id]


def test_shopify_filters_by_since_id_created_at_min_and_fields(
    twin: SandboxServer, sandbox: Sandbox
) -> None:
    records = sorted(sandbox.records("shopify/orders.jsonl"), key=lambda o: o["id"])
    middle = records[len(records) // 2]
    since = orders(twin, status="any", limit=250, since_id=middle["id"]).json()["orders"]
    assert [o["id"] for o in since] == [o["id"] for o in records if o["id"] > middle["id"]][:250]
    created = orders(twin, status="any", limit=250, created_at_min=middle["created_at"]).json()
    expected = {
        o["id"]
        for o in records
        if timeline.epoch(o["created_at"]) >= timeline.epoch(middle["created_at"])
    }
    assert {o["id"] for o in created["orders"]} == expected
    slim = orders(twin, status="any", limit=5, fields="id,updated_at").json()["orders"]
    assert all(set(o) == {"id", "updated_at"} for o in slim)


def test_aircall_from_and_to_bound_the_creation_time(twin: SandboxServer, sandbox: Sandbox) -> None:
    calls = sorted(c["started_at"] for c in sandbox.records("aircall/calls.jsonl"))
    start, end = calls[len(calls) // 4], calls[len(calls) // 2]
    body = requests.get(
        f"{twin.url}/v1/calls",
        params={"from": start, "to": end, "per_page": 50},
        auth=AIRCALL,
        timeout=10,
    ).json()
    assert body["meta"]["total"] == sum(1 for t in calls if start <= t <= end)
    assert all(start <= c["started_at"] <= end for c in body["calls"])


# serving large shops ----------------------------------------------------------------------
def test_the_pages_of_one_query_share_its_matches_and_a_new_clock_finds_them_again(
    twin: SandboxServer, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = twin.app
    found: list[str] = []
    find = app._shopify_find

    def counted(resource: str, params: dict[str, str]):
        found.append(resource)
        return find(resource, params)

    monkeypatch.setattr(app, "_shopify_find", counted)
    app.set_now("2099-01-01T00:00:00Z")
    response, ids = orders(twin, limit=7, status="any"), []
    while True:
        ids += [order["id"] for order in response.json()["orders"]]
        following = [p for p in response.headers.get("Link", "").split(",") if 'rel="next"' in p]
        if not following:
            break
        url = following[0].split(";")[0].strip().strip("<>")
        response = requests.get(url, headers=SHOPIFY, timeout=10)
    app.set_now("2099-01-02T00:00:00Z")
    orders(twin, limit=7, status="any")

    assert ids == sorted(ids) and len(set(ids)) == sandbox.counts["orders"]
    assert len(ids) > 7 * 3
    assert found == ["orders", "orders"]


def test_a_call_kept_in_start_order_is_found_by_its_id(tmp_path: Path) -> None:
    calls = tmp_path / "aircall" / "calls.jsonl"
    calls.parent.mkdir(parents=True)
    # ids run against the start times, so the file's order is not the ids'
    calls.write_bytes(
        b"".join(
            orjson.dumps({"id": 500 - i, "started_at": 1_700_000_000 + i, "direction": "inbound"})
            + b"\n"
            for i in range(300)
        )
    )
    with SandboxServer(tmp_path, rate_limits="off") as server:
        found = [
            requests.get(f"{server.url}/v1/calls/{call_id}", auth=AIRCALL, timeout=10)
            for call_id in (201, 350, 500, 199)
        ]

    assert [r.json()["call"]["id"] for r in found[:3]] == [201, 350, 500]
    assert [r.status_code for r in found] == [200, 200, 200, 404]
