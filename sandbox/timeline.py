"""What a record looked like at an earlier moment: the sandbox's time travel.

The generator writes every record in its final state. Each record also carries
the times of the events that changed it (a fulfilment, a refund, a
cancellation, a tag, an agent note, an edit), so its state at any earlier
moment can be derived from the record alone. The twins serve records through
these functions, so a loader that runs "daily" against a moving clock sees new
records appear and old ones change, exactly as a shop's APIs would show them.

Every function returns None when the record did not exist yet at ``now``
(Unix seconds), and never changes the record it is given.
"""

from __future__ import annotations

import copy
from datetime import datetime
from typing import Any

EDIT_MARKER = " Update: "


def epoch(value: Any) -> float | None:
    """Seconds since the epoch for an ISO timestamp, a datetime, or a number (or its text);
    None when absent."""
    if value is None or value == "":
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    try:
        return float(value)  # Unix seconds written out, as ``serve --now`` takes them
    except ValueError:
        pass
    return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()


def _shift_iso(template: str, seconds: float) -> str:
    """``seconds`` formatted with the same UTC offset as ``template``."""
    moment = datetime.fromisoformat(template.replace("Z", "+00:00"))
    return datetime.fromtimestamp(seconds, moment.tzinfo).isoformat(timespec="seconds")


def order_events(order: dict[str, Any]) -> tuple[list[float], float | None]:
    """The times that moved an order's ``updated_at``, and the time of a bare edit (if any)."""
    events = [epoch(order.get("created_at")) or 0.0]
    events += [epoch(f.get("created_at")) or 0.0 for f in order.get("fulfillments") or []]
    events += [epoch(r.get("created_at")) or 0.0 for r in order.get("refunds") or []]
    if cancelled := epoch(order.get("cancelled_at")):
        events.append(cancelled)
    updated = epoch(order.get("updated_at")) or max(events)
    edit = updated if updated > max(events) else None
    return events, edit


def order_updated_at(order: dict[str, Any], now: float) -> float | None:
    created = epoch(order.get("created_at")) or 0.0
    if created > now:
        return None
    events, edit = order_events(order)
    if edit is not None:
        events.append(edit)
    return max(e for e in events if e <= now)


def order_at(order: dict[str, Any], now: float) -> dict[str, Any] | None:
    updated = order_updated_at(order, now)
    if updated is None:
        return None
    if (epoch(order.get("updated_at")) or 0.0) <= now:
        return order
    _, edit = order_events(order)
    past = copy.deepcopy(order)
    past["refunds"] = [r for r in past.get("refunds") or [] if epoch(r.get("created_at")) <= now]
    past["fulfillments"] = [
        f for f in past.get("fulfillments") or [] if epoch(f.get("created_at")) <= now
    ]
    if "fulfillment_status" in past and not past["fulfillments"]:
        past["fulfillment_status"] = None
    cancelled = epoch(past.get("cancelled_at"))
    if cancelled is not None and cancelled > now:
        past.update(cancelled_at=None, cancel_reason=None, closed_at=None)
    if edit is not None and edit > now:
        past["note"] = None
    if "financial_status" in past and past.get("cancelled_at") is None:
        past["financial_status"] = "partially_refunded" if past["refunds"] else "paid"
    past["updated_at"] = _shift_iso(order["updated_at"], updated)
    return past


def created_record_at(record: dict[str, Any], now: float) -> dict[str, Any] | None:
    """Customers and products: there once created; ``updated_at`` no later than ``now``."""
    if (epoch(record.get("created_at")) or 0.0) > now:
        return None
    updated = epoch(record.get("updated_at"))
    if updated is None or updated <= now:
        return record
    return {**record, "updated_at": record["created_at"]}


def record_updated_at(record: dict[str, Any], now: float) -> float | None:
    """``updated_at`` of a customer, product or review as ``created_record_at`` shows it."""
    created = epoch(record.get("created_at")) or 0.0
    if created > now:
        return None
    updated = epoch(record.get("updated_at"))
    return updated if updated is not None and updated <= now else created


def call_at(call: dict[str, Any], now: float) -> dict[str, Any] | None:
    if (call.get("started_at") or 0) > now:
        return None
    ended = call.get("ended_at")
    changes_after = [t.get("tagged_at") or 0 for t in call.get("tags") or []]
    changes_after += [c.get("posted_at") or 0 for c in call.get("comments") or []]
    if (ended or 0) <= now and all(t <= now for t in changes_after):
        return call
    past = dict(call)
    past["tags"] = [t for t in call.get("tags") or [] if (t.get("tagged_at") or 0) <= now]
    past["comments"] = [c for c in call.get("comments") or [] if (c.get("posted_at") or 0) <= now]
    if ended is not None and ended > now:
        answered = call.get("answered_at")
        in_call = answered is not None and answered <= now
        past.update(
            status="answered" if in_call else "initial",
            answered_at=answered if in_call else None,
            ended_at=None,
            duration=None,
            missed_call_reason=None,
        )
    return past


def transcript_at(call_ended_at: float | None, now: float) -> bool:
    """A transcription exists once its call has ended."""
    return call_ended_at is not None and call_ended_at <= now


def review_at(review: dict[str, Any], now: float) -> dict[str, Any] | None:
    if (epoch(review.get("created_at")) or 0.0) > now:
        return None
    updated = epoch(review.get("updated_at"))
    if updated is None or updated <= now:
        return review
    body = review.get("body") or ""
    return {
        **review,
        "body": body.split(EDIT_MARKER)[0],
        "updated_at": review["created_at"],
    }
