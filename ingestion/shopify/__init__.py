"""Shopify Admin REST API: orders (with line items and refunds), incrementally by ``updated_at``."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dlt
from dlt.sources import DltResource

from ingestion.http import VendorClient


def parse_timestamp(value: str) -> datetime:
    """Shopify timestamps carry the shop's offset; the cursor compares them as instants."""
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def to_utc_param(moment: datetime) -> str:
    """``updated_at_min`` in UTC, so a shop's offset change (DST) cannot skip records."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def next_link(link_header: str | None) -> str | None:
    """The ``rel="next"`` URL of a Shopify ``Link`` header, or None on the last page."""
    for part in (link_header or "").split(","):
        url, _, rel = part.partition(";")
        if rel.strip() == 'rel="next"':
            return url.strip().strip("<>")
    return None


def money() -> dict[str, Any]:
    """A money column: a decimal string in the payload, ``decimal(18,2)`` in the warehouse."""
    return {"data_type": "decimal", "precision": 18, "scale": 2}


ORDER_COLUMNS = {
    "id": {"data_type": "bigint", "nullable": False},
    "created_at": {"data_type": "timestamp"},
    "updated_at": {"data_type": "timestamp"},
    "processed_at": {"data_type": "timestamp"},
    "cancelled_at": {"data_type": "timestamp"},
    "closed_at": {"data_type": "timestamp"},
    "currency": {"data_type": "text"},
    "email": {"data_type": "text"},
    "financial_status": {"data_type": "text"},
    "test": {"data_type": "bool"},
    "customer__id": {"data_type": "bigint"},
    "subtotal_price": money(),
    "total_discounts": money(),
    "total_tax": money(),
    "total_price": money(),
}


def link_children(order: dict[str, Any]) -> dict[str, Any]:
    """Give nested rows their parents' ids, so staging can read each child table on its own."""
    for line in order.get("line_items") or []:
        line["order_id"] = order["id"]
    for refund in order.get("refunds") or []:
        for refund_line in refund.get("refund_line_items") or []:
            refund_line["refund_id"] = refund["id"]
            refund_line["order_id"] = order["id"]
    return order


def paginate(
    client: VendorClient, resource: str, params: dict[str, Any]
) -> Iterator[list[dict[str, Any]]]:
    """Yield each page of ``resource``; after the first page only the cursor link is followed,
    because Shopify rejects filters sent alongside ``page_info``."""
    response = client.get(f"{resource}.json", params=params)
    while True:
        page = response.json()[resource]
        for record in page:
            record["updated_at"] = parse_timestamp(record["updated_at"])
        if page:
            yield page
        link = next_link(response.headers.get("Link"))
        if link is None:
            return
        response = client.get(link)


@dlt.source(name="shopify")
def shopify_source(
    shop_url: str = dlt.config.value,
    access_token: str = dlt.secrets.value,
    api_version: str = "2025-01",
    start_date: str = "2000-01-01T00:00:00Z",
    page_size: int = 250,
) -> DltResource:
    """Orders from a Shopify store, merged on ``id``.

    Args:
        shop_url: ``https://<shop>.myshopify.com`` (the sandbox's URL in the demo).
        access_token: an Admin API access token (``shpat_...``) with ``read_orders``
            and, for history older than 60 days, ``read_all_orders``.
        api_version: the Admin API version, e.g. ``2025-01``.
        start_date: the earliest ``updated_at`` loaded on the first run.
        page_size: records per request, at most 250.
    """
    client = VendorClient(
        "shopify",
        f"{shop_url.rstrip('/')}/admin/api/{api_version}",
        headers={"X-Shopify-Access-Token": access_token},
    )

    first_updated_at = parse_timestamp(start_date)

    @dlt.resource(name="orders", primary_key="id", write_disposition="merge", columns=ORDER_COLUMNS)
    def orders(
        updated_at: dlt.sources.incremental[datetime] = dlt.sources.incremental(
            "updated_at", initial_value=first_updated_at
        ),
    ) -> Iterator[list[dict[str, Any]]]:
        params = {
            "status": "any",
            "limit": page_size,
            "updated_at_min": to_utc_param(updated_at.last_value),
        }
        for page in paginate(client, "orders", params):
            yield [link_children(order) for order in page]

    return orders
