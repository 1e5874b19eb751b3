"""Shopify Admin REST API: orders (with line items and refunds), customers and products.

Every resource is merged on ``id`` and read incrementally by ``updated_at``
(edits, fulfilments, cancellations and refunds all move it), sent to Shopify
as ``updated_at_min`` in UTC. Pages follow the ``Link`` header, sending only
``page_info`` and ``limit`` after the first page, as Shopify requires.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import dlt
import pyarrow.compute as pc
from dlt.sources import DltResource

from ingestion.columnar import Child, Layout, declared_problem, spooled
from ingestion.contracts import (
    QUARANTINE_TABLE,
    Contract,
    Quarantine,
    checked,
    declare_columns,
    parse_timestamp,
)
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
    "note": {"data_type": "text"},
    "test": {"data_type": "bool"},
    "customer__id": {"data_type": "bigint"},
    "subtotal_price": money(),
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
    "handle": {"data_type": "text"},
    "created_at": timestamp(),
    "updated_at": timestamp(),
}
# Orders flatten in DuckDB (see ingestion.columnar): each list below is its own
# table, keyed for merging and linked to its order by ``order_id``.
ORDER_LAYOUT = Layout(
    root="orders",
    columns=ORDER_COLUMNS,
    children=(
        Child(
            ("line_items",),
            primary_key=("id",),
            columns={
                "id": {"data_type": "bigint"},
                "order_id": {"data_type": "bigint"},
                "price": money(),
                "product_id": {"data_type": "bigint"},
                "variant_id": {"data_type": "bigint"},
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
            primary_key=("id",),
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
            primary_key=("id",),
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
            primary_key=("order_id", "code"),
            columns={"order_id": {"data_type": "bigint"}, "amount": money()},
        ),
        Child(
            ("shipping_lines",),
            primary_key=("id",),
            columns={
                "id": {"data_type": "bigint"},
                "order_id": {"data_type": "bigint"},
                "price": money(),
                **as_json("price_set", "discounted_price_set", "tax_lines", "discount_allocations"),
            },
        ),
    ),
)
PRODUCT_NESTED = {
    "variants": dlt.mark.make_nested_hints(
        columns={"price": money(), "product_id": {"data_type": "bigint"}}
    )
}
CONTRACTS = {
    "orders": Contract(
        "shopify",
        "orders",
        required={
            "id": "integer",
            "created_at": "timestamp",
            "updated_at": "timestamp",
            "total_price": "money",
        },
        optional={"subtotal_price": "money", "total_tax": "money", "total_discounts": "money"},
        also=lambda order: declared_problem(order, ORDER_LAYOUT),
    ),
    "customers": Contract(
        "shopify",
        "customers",
        required={"id": "integer", "updated_at": "timestamp"},
        optional={"created_at": "timestamp"},
    ),
    "products": Contract(
        "shopify",
        "products",
        required={"id": "integer", "updated_at": "timestamp"},
        optional={"created_at": "timestamp"},
    ),
}


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


def prepare(record: dict[str, Any]) -> dict[str, Any]:
    """The cursor as an instant (offsets differ across DST) for dlt's incremental."""
    record["updated_at"] = parse_timestamp(record["updated_at"])
    return record


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

    def pages_of(resource: str, since: datetime) -> Iterator[list[Any]]:
        params: dict[str, Any] = {"limit": PAGE_LIMIT, "updated_at_min": to_utc_param(since)}
        if resource == "orders":
            params["status"] = "any"
        # One client per resource: dlt reads the resources in turn, each one
        # fetching its next page in its own thread while the last is written.
        return read_ahead(paginate(VendorClient(**client_settings), resource, params))

    def make(resource: str, columns: dict[str, Any], nested: dict[str, Any] | None) -> DltResource:
        contract = CONTRACTS[resource]
        declare_columns(resource, columns)

        def pages(
            updated_at: dlt.sources.incremental[datetime] = dlt.sources.incremental(
                "updated_at", initial_value=first_updated_at, on_cursor_value_missing="include"
            ),
        ) -> Iterator[Any]:
            for page in pages_of(resource, updated_at.last_value):
                yield from checked(page, contract, quarantine, prepare)

        return dlt.resource(
            pages, name=resource, primary_key="id", write_disposition="merge", nested_hints=nested
        )

    declare_columns("orders", ORDER_COLUMNS)

    @dlt.resource(name="orders", primary_key="id", write_disposition="merge")
    def orders() -> Iterator[Any]:
        # The cursor is kept by hand: dlt's incremental would look for updated_at
        # in the child tables' batches too. It is saved with the load it belongs to.
        state = dlt.current.resource_state()
        since = cursor_in(state, first_updated_at)
        latest = since
        pages = pages_of("orders", since)
        contract = CONTRACTS["orders"]
        for table, item in spooled(pages, contract, quarantine, ORDER_LAYOUT, link_children):
            if table == "orders":
                newest = pc.max(item["updated_at"]).as_py()
                latest = latest if newest is None else max(latest, newest)
                yield item
            elif table == QUARANTINE_TABLE:
                yield item
            else:
                yield dlt.mark.with_hints(item, CHILD_HINTS[table], create_table_variant=True)
        state[CURSOR_STATE] = latest.isoformat()

    return [
        orders,
        make("customers", CUSTOMER_COLUMNS, None),
        make("products", PRODUCT_COLUMNS, PRODUCT_NESTED),
    ]


CURSOR_STATE = "updated_at_through"
CHILD_HINTS = {
    child.table("orders"): dlt.mark.make_hints(
        table_name=child.table("orders"),
        write_disposition="merge",
        primary_key=list(child.primary_key),
        # delete-insert on the order: a line removed by an order edit goes too
        merge_key="order_id",
        columns=[{"name": name, **hints} for name, hints in child.columns.items()],
    )
    for child in ORDER_LAYOUT.children
}


def cursor_in(state: dict[str, Any], initial: datetime) -> datetime:
    """Where the last load of orders stopped (``updated_at``), or ``initial`` on the first."""
    if CURSOR_STATE in state:
        return datetime.fromisoformat(state[CURSOR_STATE])
    # a warehouse loaded before the cursor was kept by hand
    earlier = state.get("incremental", {}).get("updated_at", {}).get("last_value")
    return parse_timestamp(earlier) if isinstance(earlier, str) else (earlier or initial)
