"""Shopify Admin REST API: orders (with line items and refunds), customers and products.

Every resource is merged on ``id`` and read incrementally by ``updated_at``
(edits, fulfilments, cancellations and refunds all move it), sent to Shopify
as ``updated_at_min`` in UTC. Pages follow the ``Link`` header, sending only
``page_info`` and ``limit`` after the first page, as Shopify requires.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import dlt
from dlt.sources import DltResource

from ingestion.columnar import DEDUPLICATED_MERGE, Child, Layout
from ingestion.contracts import Contract, Quarantine, parse_timestamp
from ingestion.declared import Cursor, Declared, Window, load_items
from ingestion.http import VendorClient, read_ahead, shopify_pause

PAGE_LIMIT = 250


def money() -> dict[str, Any]:
    """A money column: a decimal string in the payload, ``decimal(18,2)`` in the warehouse."""
    return {"data_type": "decimal", "precision": 18, "scale": 2}


def timestamp() -> dict[str, Any]:
    return {"data_type": "timestamp"}


def as_json(*names: str) -> dict[str, dict[str, Any]]:
    """Objects and lists kept whole as JSON columns rather than flattened or split out.

    Shopify repeats each amount as a ``*_set`` object (shop and presentment
    money); flattened, every one costs four sparse columns and normalizing time
    on every load, and the models read the plain amounts instead.
    """
    return {name: {"data_type": "json"} for name in names}


ORDER_MONEY_SETS = (
    "total_price_set",
    "subtotal_price_set",
    "total_tax_set",
    "total_discounts_set",
    "total_line_items_price_set",
    "total_shipping_price_set",
    "current_total_price_set",
    "current_subtotal_price_set",
    "current_total_tax_set",
    "current_total_discounts_set",
    "current_total_duties_set",
    "current_total_additional_fees_set",
    "original_total_duties_set",
    "original_total_additional_fees_set",
    "total_outstanding_set",
)


ORDER_COLUMNS = {
    "id": {"data_type": "bigint", "nullable": False},
    "created_at": timestamp(),
    "updated_at": timestamp(),
    "processed_at": timestamp(),
    "cancelled_at": timestamp(),
    "closed_at": timestamp(),
    "currency": {"data_type": "text"},
    "email": {"data_type": "text"},
    "financial_status": {"data_type": "text"},
    "cancel_reason": {"data_type": "text"},
    "name": {"data_type": "text"},
    "note": {"data_type": "text"},
    "tags": {"data_type": "text"},
    "test": {"data_type": "bool"},
    "customer__id": {"data_type": "bigint"},
    "subtotal_price": money(),
    "total_line_items_price": money(),
    "total_discounts": money(),
    "total_tax": money(),
    "total_price": money(),
    # Lists the models do not read stay JSON on the order instead of becoming child
    # tables: each child row costs normalizing time on every load.
    "tax_lines": {"data_type": "json"},
    "fulfillments": {"data_type": "json"},
    "note_attributes": {"data_type": "json"},
    "discount_applications": {"data_type": "json"},
    "payment_gateway_names": {"data_type": "json"},
    **as_json(*ORDER_MONEY_SETS),
}
CUSTOMER_COLUMNS = {
    "id": {"data_type": "bigint", "nullable": False},
    "email": {"data_type": "text"},
    "phone": {"data_type": "text"},
    "first_name": {"data_type": "text"},
    "last_name": {"data_type": "text"},
    "created_at": timestamp(),
    "updated_at": timestamp(),
    "orders_count": {"data_type": "bigint"},
    "total_spent": money(),
    "tags": {"data_type": "text"},
}
PRODUCT_COLUMNS = {
    "id": {"data_type": "bigint", "nullable": False},
    "title": {"data_type": "text"},
    "body_html": {"data_type": "text"},
    "product_type": {"data_type": "text"},
    "vendor": {"data_type": "text"},
    "handle": {"data_type": "text"},
    "status": {"data_type": "text"},
    "tags": {"data_type": "text"},
    "created_at": timestamp(),
    "updated_at": timestamp(),
    **as_json("options", "images", "image"),
}
# Orders flatten in DuckDB (see ingestion.columnar): each list below is its own
# table, keyed for merging and linked to its order by ``order_id``.
ORDER_LAYOUT = Layout(
    root="orders",
    columns=ORDER_COLUMNS,
    children=(
        Child(
            ("line_items",),
            required=("id",),
            primary_key=("id",),
            parent_key="order_id",
            columns={
                "id": {"data_type": "bigint"},
                "order_id": {"data_type": "bigint"},
                "price": money(),
                "product_id": {"data_type": "bigint"},
                "variant_id": {"data_type": "bigint"},
                "title": {"data_type": "text"},
                "variant_title": {"data_type": "text"},
                "sku": {"data_type": "text"},
                "quantity": {"data_type": "bigint"},
                **as_json(
                    "tax_lines",
                    "discount_allocations",
                    "properties",
                    "duties",
                    "price_set",
                    "total_discount_set",
                ),
            },
        ),
        Child(
            ("refunds",),
            required=("id",),
            primary_key=("id",),
            parent_key="order_id",
            columns={
                "id": {"data_type": "bigint"},
                "order_id": {"data_type": "bigint"},
                "created_at": timestamp(),
                "processed_at": timestamp(),
                **as_json("transactions", "total_duties_set", "total_additional_fees_set"),
            },
        ),
        Child(
            ("refunds", "refund_line_items"),
            required=("id",),
            primary_key=("id",),
            parent_key="order_id",
            columns={
                "id": {"data_type": "bigint"},
                "subtotal": money(),
                "total_tax": money(),
                "line_item_id": {"data_type": "bigint"},
                "refund_id": {"data_type": "bigint"},
                "order_id": {"data_type": "bigint"},
                "quantity": {"data_type": "bigint"},
                # The refunded line as it was: the line items table has it already.
                **as_json("line_item", "subtotal_set", "total_tax_set"),
            },
        ),
        Child(
            ("discount_codes",),
            required=("code",),
            primary_key=("order_id", "code"),
            parent_key="order_id",
            columns={
                "order_id": {"data_type": "bigint"},
                "code": {"data_type": "text"},
                "type": {"data_type": "text"},
                "amount": money(),
            },
        ),
        Child(
            ("shipping_lines",),
            required=("id",),
            primary_key=("id",),
            parent_key="order_id",
            columns={
                "id": {"data_type": "bigint"},
                "order_id": {"data_type": "bigint"},
                "price": money(),
                **as_json("price_set", "discounted_price_set", "tax_lines", "discount_allocations"),
            },
        ),
    ),
)
PRODUCT_LAYOUT = Layout(
    root="products",
    columns=PRODUCT_COLUMNS,
    children=(
        Child(
            ("variants",),
            required=("id",),
            primary_key=("id",),
            parent_key="product_id",
            columns={
                "id": {"data_type": "bigint"},
                "product_id": {"data_type": "bigint"},
                "title": {"data_type": "text"},
                "sku": {"data_type": "text"},
                "price": money(),
                "created_at": timestamp(),
                "updated_at": timestamp(),
            },
        ),
    ),
)
CUSTOMER_LAYOUT = Layout(root="customers", columns=CUSTOMER_COLUMNS, children=())


def link_variants(product: dict[str, Any]) -> dict[str, Any]:
    for variant in product.get("variants") or []:
        variant["product_id"] = product["id"]
    return product


def to_utc_param(moment: datetime) -> str:
    """``updated_at_min`` or ``_max`` in UTC: a shop's offset change (DST) cannot skip records."""
    return moment.astimezone(UTC).isoformat(timespec="seconds")


def next_link(link_header: str | None) -> str | None:
    """The ``rel="next"`` URL of a Shopify ``Link`` header, or None on the last page."""
    for part in (link_header or "").split(","):
        url, _, rel = part.partition(";")
        if rel.strip() == 'rel="next"':
            return url.strip().strip("<>")
    return None


def link_children(order: dict[str, Any]) -> dict[str, Any]:
    """Give nested rows their parents' ids, so staging reads each child table on its own."""
    for name in ("line_items", "discount_codes", "shipping_lines"):
        for child in order.get(name) or []:
            child["order_id"] = order["id"]
    for refund in order.get("refunds") or []:
        for refund_line in refund.get("refund_line_items") or []:
            refund_line["refund_id"] = refund.get("id")
            refund_line["order_id"] = order["id"]
    return order


RESOURCES = {
    "orders": Declared(
        Contract(
            "shopify",
            "orders",
            required={
                "id": "integer",
                "created_at": "timestamp",
                "updated_at": "timestamp",
                "total_price": "money",
            },
        ),
        ORDER_LAYOUT,
        prepare=link_children,
    ),
    "customers": Declared(
        Contract("shopify", "customers", required={"id": "integer", "updated_at": "timestamp"}),
        CUSTOMER_LAYOUT,
    ),
    "products": Declared(
        Contract("shopify", "products", required={"id": "integer", "updated_at": "timestamp"}),
        PRODUCT_LAYOUT,
        prepare=link_variants,
    ),
}


def paginate(client: VendorClient, resource: str, params: dict[str, Any]) -> Iterator[list[Any]]:
    """Yield each page of ``resource`` as Shopify returns it."""
    response, body = client.get_json(f"{resource}.json", params=params)
    while True:
        if body[resource]:
            yield body[resource]
        link = next_link(response.headers.get("Link"))
        if link is None:
            return
        response, body = client.get_json(link)


@dlt.source(name="shopify")
def shopify_source(
    shop_url: str = dlt.config.value,
    access_token: str = dlt.secrets.value,
    api_version: str = "2025-01",
    start_date: str = "2000-01-01T00:00:00Z",
    max_attempts: int = 8,
    backoff_seconds: float = 0.5,
    window: Window | None = None,
) -> list[DltResource]:
    """Orders, customers and products from a Shopify store.

    Args:
        shop_url: ``https://<shop>.myshopify.com`` (the sandbox's URL in the demo).
        access_token: an Admin API access token (``shpat_...``) with ``read_orders``,
            ``read_customers``, ``read_products`` and, for history older than 60
            days, ``read_all_orders``.
        api_version: the Admin API version, e.g. ``2025-01``.
        max_attempts: requests per page before a run gives up on a failing API.
        backoff_seconds: the first wait between retries; each next wait doubles (at most 30s).
        start_date: the earliest ``updated_at`` loaded on the first run.
        window: a span of ``updated_at`` to read instead of the cursor's (a
            backfill; see :class:`~ingestion.declared.Window`).
    """
    client_settings: dict[str, Any] = {
        "vendor": "shopify",
        "base_url": f"{shop_url.rstrip('/')}/admin/api/{api_version}",
        "headers": {"X-Shopify-Access-Token": access_token},
        "pace": shopify_pause,
        "max_attempts": max_attempts,
        "backoff_seconds": backoff_seconds,
    }
    quarantine = Quarantine()
    first_updated_at = parse_timestamp(start_date)

    def make(resource: str) -> DltResource:
        declared = RESOURCES[resource]
        declared.declare()

        def pages() -> Iterator[Any]:
            # The cursor is kept by hand, in the resource's state: dlt's incremental
            # would look for updated_at in the child tables' batches too.
            cursor = Cursor("updated_at", first_updated_at, window=window)
            params: dict[str, Any] = {
                "limit": PAGE_LIMIT,
                "updated_at_min": to_utc_param(cursor.start),
            }
            if cursor.end is not None:
                # updated_at_max is inclusive, to the second; the window's end is not
                params["updated_at_max"] = to_utc_param(cursor.end - timedelta(seconds=1))
            if resource == "orders":
                params["status"] = "any"
            # One client per resource: dlt reads the resources in turn, each one
            # fetching its next page in its own thread while the last is written.
            client = VendorClient(**client_settings)
            read = read_ahead(paginate(client, resource, params))
            yield from load_items(read, declared, quarantine, cursor, deduplicated=True)

        return dlt.resource(
            pages, name=resource, primary_key="id", write_disposition=DEDUPLICATED_MERGE
        )

    return [make(resource) for resource in RESOURCES]
