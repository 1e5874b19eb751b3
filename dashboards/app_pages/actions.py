"""Actions: decisions taken because of what customers said, and the conversation-to-action ratio.

A lead records a decision here; it is appended to the app's own store beside
the published marts (never to the marts file), the next pipeline run loads
it, and the ``decisions`` marts count it against the conversations and the
signals that prompted it.
"""

import datetime as dt

import streamlit as st

from dashboards import charts, data, filters, tables
from dashboards.freshness import marts_ready
from dashboards.labels import label
from dashboards.redact import redact, words_of
from earshot import decisions

NONE = "(none)"

st.title("Actions")
st.write(
    "Decisions the team took because of what customers said (reordering a product, changing "
    "copy, fixing checkout), and how many there are for every 100 conversations."
)


def _optional(choice: str) -> str | None:
    return None if choice == NONE else choice


def decision_form(themes: list[str], products: list[str]) -> None:
    """Record one decision, its note redacted first; say what happened."""
    today = dt.datetime.now(dt.UTC).date()
    with st.form("decision", clear_on_submit=True):
        left, right = st.columns(2)
        decided_on = left.date_input(
            "Decided on", value=today, max_value=today, format="YYYY-MM-DD", key="decided_on"
        )
        kind = right.selectbox(
            "What was decided", decisions.KINDS, format_func=label, key="decision_kind"
        )
        theme = left.selectbox(
            "Theme that prompted it", [NONE, *themes], format_func=label, key="decision_theme"
        )
        product = right.selectbox("Product it is about", [NONE, *products], key="decision_product")
        note = st.text_area(
            "Note",
            max_chars=decisions.MAX_NOTE,
            placeholder="Reordered 300 of the size M, after customers asked for it back.",
            key="decision_note",
        )
        submitted = st.form_submit_button("Record decision")
    if not submitted:
        return
    decision = decisions.Decision(
        decided_on=decided_on,
        kind=kind,
        # names, emails and numbers never reach the store
        note=redact(note, keep=words_of(products)) or "",
        theme=_optional(theme),
        product_title=_optional(product),
    )
    try:
        decisions.record(decision, data.decisions_store())
    except decisions.DecisionError as problem:
        st.error(f"Not recorded: {problem}.")
    else:
        st.success("Recorded. The figures below count it after the next pipeline run.")


def waiting() -> None:
    pending = data.decisions_waiting()
    if pending.empty:
        return
    st.subheader("Waiting for the next pipeline run")
    tables.show(pending, "Decisions not yet counted", values=("kind", "theme"))


def ratio(start: dt.date, end: dt.date) -> None:
    monthly = data.decisions_monthly(start, end)
    taken = data.decisions_taken(start, end)
    conversations = int(monthly["conversations"].sum())
    made = int(monthly["decisions"].sum())
    due = int(monthly["demand_outcomes_due"].sum())
    followed = int(monthly["demand_followed"].sum())
    prompted = taken["days_from_signal"].dropna()
    first, second, third, fourth = st.columns(4)
    first.metric("Decisions", f"{made:,}", border=True)
    second.metric(
        "Per 100 conversations",
        f"{100 * made / conversations:.2f}" if conversations else "none",
        border=True,
        help="Decisions taken against answered calls and reviews in the period.",
    )
    third.metric(
        "Days from signal to decision",
        f"{prompted.mean():.0f}" if len(prompted) else "none",
        border=True,
        help="On average, for decisions that followed an emerging theme or a demand signal.",
    )
    fourth.metric(
        "Demand followed",
        f"{followed} of {due}" if due else "none due",
        border=True,
        help="Demand decisions whose product sold more in the four weeks after than before.",
    )
    st.subheader("Decisions per 100 conversations, by month")
    charts.lines(
        monthly,
        "month_start",
        "decisions_per_100_conversations",
        "Month",
        "Decisions per 100 conversations",
        date_format=charts.MONTH,
        points=True,
    )
    st.subheader("Decisions taken")
    if taken.empty:
        st.info("No decisions in this period yet: record one above.")
        return
    tables.show(
        taken.drop(columns=["decision_id"]),
        "Decisions taken",
        values=("decision_kind", "theme", "signal_kind"),
    )


if marts_ready():
    decision_form(data.theme_names(), data.product_titles())
    waiting()
    months = data.decision_months()
    if months is None:
        st.info("No orders, calls or reviews yet: the ratio fills in after the first load.")
    else:
        start, end = filters.period(*months, default_days=365)
        ratio(start, end)
