"""Plain-language labels for the marts' names, from one mapping.

Stakeholders read "Checkout friction", not ``checkout_friction``. Every page
passes theme names, categories and column headers through :func:`label`;
names the mapping does not list read as their words, capitalised.
"""

from __future__ import annotations

import pandas as pd

LABELS = {
    "sizing_fit": "Sizing and fit",
    "stock_out": "Out of stock",
    "product_request": "Product requests",
    "pain_point": "Pain point",
    "site_experience": "Site experience",
    "value_proposition": "Value proposition",
    "share_of_voice": "Share of voice",
    "week_start": "Week",
    "cohort_month": "Cohort month",
    "months_since_first_order": "Months since first order",
    "cumulative_net_revenue_per_customer": "Cumulative net revenue per customer",
    "net_revenue": "Net revenue",
    "refunded_amount": "Refunded",
    "product_title": "Product",
    "aov": "AOV",
    "ltv": "LTV",
    "rfm": "RFM",
    "wape": "WAPE",
    "judgeme_review": "Review",
    "aircall_comment": "Agent's note",
    "aircall_transcript": "Call transcript",
    "actual_units": "Units sold",
    "baseline_units": "Forecast without voice",
    "voice_adjusted_units": "Forecast with voice",
    "rfm_segment": "RFM segment",
    "at_risk": "At risk",
    "needs_attention": "Needs attention",
    "customer_key": "Customer key",
    "agent_id": "Agent",
    # the Actions page: what was decided, and what prompted it
    "reorder": "Reordered stock",
    "copy": "Changed copy",
    "checkout": "Fixed checkout",
    "pricing": "Changed a price",
    "service": "Changed service",
    "decision_kind": "Decision",
    "decision_note": "Note",
    "demand_signal": "Demand signal",
    "emerging_theme": "Emerging theme",
    "signal_kind": "Prompted by",
    "signal_week_start": "Signal began",
    "decisions_per_100_conversations": "Decisions per 100 conversations",
    "units_4_weeks_before": "Units, 4 weeks before",
    "units_4_weeks_after": "Units, 4 weeks after",
}
_UPPER = {"aov", "ltv", "rfm", "wape", "id", "url"}


def label(name: object) -> str:
    """A mart name as people say it: ``checkout_friction`` -> "Checkout friction"."""
    if name is None or (isinstance(name, float) and pd.isna(name)):
        return ""
    text = str(name)
    if text in LABELS:
        return LABELS[text]
    words = [word.upper() if word in _UPPER else word for word in text.split("_")]
    first = words[0] if words[0].isupper() else words[0].capitalize()
    return " ".join([first, *words[1:]])


def labelled(frame: pd.DataFrame, values: tuple[str, ...] = ()) -> pd.DataFrame:
    """``frame`` with plain-language headers, and the named columns' values labelled too."""
    out = frame.copy()
    for column in values:
        if column in out:
            out[column] = out[column].map(label)
    return out.rename(columns=label)
