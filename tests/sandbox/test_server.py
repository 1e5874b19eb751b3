"""The twin APIs follow the vendor contracts the sources rely on."""

import base64
from datetime import UTC, datetime

import pytest
import requests

from sandbox import timeline
from sandbox.server import Credentials
from tests.conftest import Sandbox

CREDENTIALS = Credentials()
SHOPIFY_HEADERS = {"X-Shopify-Access-Token": CREDENTIALS.shopify_access_token}


def shopify(sandbox: Sandbox, path: str, **params: object) -> requests.Response:
    return requests.get(
        f"{sandbox.url}/admin/api/2025-01/{path}",
        params=params,
        headers=SHOPIFY_HEADERS,
        timeout=10,
    )


def test_shopify_rejects_a_wrong_token(sandbox: Sandbox) -> None:
    response = requests.get(
        f"{sandbox.url}/admin/api/2025-01/orders.json",
        headers={"X-Shopify-Access-Token": "shpat_wrong"},
        timeout=10,
    )
    assert response.status_code == 401
    assert "Invalid API key or access token" in response.json()["errors"]


def test_shopify_limit_above_250_is_a_400(sandbox: Sandbox) -> None:
    assert shopify(sandbox, "orders.json", limit=251).status_code == 400


def test_shopify_link_pagination_returns_every_order_once(sandbox: Sandbox) -> None:
    response = shopify(sandbox, "orders.json", limit=50, status="any")
    seen: list[int] = []
    pages = 0
    while True:
        assert response.status_code == 200
        seen += [order["id"] for order in response.json()["orders"]]
        pages += 1
        next_links = [
            part for part in response.headers.get("Link", "").split(",") if 'rel="next"' in part
        ]
        if not next_links:
            break
        if pages > 1:
            assert 'rel="previous"' in response.headers["Link"]
        url = next_links[0].split(";")[0].strip().strip("<>")
        response = requests.get(url, headers=SHOPIFY_HEADERS, timeout=10)
    assert len(seen) == len(set(seen)) == sandbox.counts["orders"]
    assert pages == -(-sandbox.counts["orders"] // 50)


def test_shopify_page_info_with_a_filter_is_a_400(sandbox: Sandbox) -> None:
    first = shopify(sandbox, "orders.json", limit=10, status="any")
    page_info = first.headers["Link"].split("page_info=")[1].split(">")[0]
    response = shopify(sandbox, "orders.json", page_info=page_info, status="any")
    assert response.status_code == 400
    assert "page_info" in response.json()["errors"]


def test_shopify_status_defaults_to_open(sandbox: Sandbox) -> None:
    orders = sandbox.records("shopify/orders.jsonl")
    open_orders = [o for o in orders if not o["cancelled_at"] and not o["closed_at"]]
    assert len(open_orders) < len(orders), "the shop has cancelled orders"
    count = shopify(sandbox, "orders/count.json").json()["count"]
    assert count == len(open_orders)
    assert shopify(sandbox, "orders/count.json", status="any").json()["count"] == len(orders)


def test_shopify_updated_at_min_filters_by_instant(sandbox: Sandbox) -> None:
    orders = sandbox.records("shopify/orders.jsonl")
    cutoff = sorted(o["updated_at"] for o in orders)[len(orders) // 2]
    expected = sum(1 for o in orders if o["updated_at"] >= cutoff)
    body = shopify(sandbox, "orders/count.json", status="any", updated_at_min=cutoff).json()
    assert body["count"] == expected


def test_aircall_requires_basic_auth(sandbox: Sandbox) -> None:
    assert requests.get(f"{sandbox.url}/v1/calls", timeout=10).status_code == 401


def test_aircall_pages_follow_next_page_link(sandbox: Sandbox) -> None:
    auth = (CREDENTIALS.aircall_api_id, CREDENTIALS.aircall_api_token)
    body = requests.get(
        f"{sandbox.url}/v1/calls", params={"per_page": 50}, auth=auth, timeout=10
    ).json()
    ids = [call["id"] for call in body["calls"]]
    while body["meta"]["next_page_link"]:
        body = requests.get(body["meta"]["next_page_link"], auth=auth, timeout=10).json()
        ids += [call["id"] for call in body["calls"]]
    assert len(ids) == len(set(ids)) == sandbox.counts["calls"]
    assert body["meta"]["total"] == sandbox.counts["calls"]


def test_aircall_per_page_above_50_is_a_400(sandbox: Sandbox) -> None:
    token = base64.b64encode(
        f"{CREDENTIALS.aircall_api_id}:{CREDENTIALS.aircall_api_token}".encode()
    ).decode()
    response = requests.get(
        f"{sandbox.url}/v1/calls",
        params={"per_page": 51},
        headers={"Authorization": f"Basic {token}"},
        timeout=10,
    )
    assert response.status_code == 400


@pytest.mark.parametrize("per_page", [7, 100])
def test_judgeme_pages_end_with_a_short_page(sandbox: Sandbox, per_page: int) -> None:
    params = {
        "api_token": CREDENTIALS.judgeme_api_token,
        "shop_domain": CREDENTIALS.judgeme_shop_domain,
        "per_page": per_page,
    }
    ids: list[int] = []
    page = 1
    while True:
        body = requests.get(
            f"{sandbox.url}/api/v1/reviews", params={**params, "page": page}, timeout=10
        ).json()
        assert body["current_page"] == page
        ids += [review["id"] for review in body["reviews"]]
        if len(body["reviews"]) < per_page:
            break
        page += 1
    assert len(ids) == len(set(ids)) == sandbox.counts["reviews"]


def test_judgeme_rejects_a_wrong_token(sandbox: Sandbox) -> None:
    response = requests.get(
        f"{sandbox.url}/api/v1/reviews",
        params={"api_token": "nope", "shop_domain": CREDENTIALS.judgeme_shop_domain},
        timeout=10,
    )
    assert response.status_code == 401


@pytest.mark.parametrize(
    ("given", "seconds"),
    [
        ("2026-06-30T00:00:00Z", 1782777600.0),
        ("2026-06-30T02:00:00+02:00", 1782777600.0),
        ("1782777600", 1782777600.0),  # what `serve --now` gets from a script
        ("1782777600.5", 1782777600.5),
        (1782777600, 1782777600.0),
        (datetime(2026, 6, 30, tzinfo=UTC), 1782777600.0),
    ],
)
def test_the_twins_clock_reads_iso_timestamps_and_unix_seconds(
    given: object, seconds: float
) -> None:
    assert timeline.epoch(given) == seconds
