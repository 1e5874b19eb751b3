"""Call outcomes by purpose, agent and week, and who to call next."""

import streamlit as st

from dashboards import charts, data, filters, tables
from dashboards.freshness import marts_ready

st.title("Calls")
st.write("How many calls connect, for each purpose and agent, and the queue of who to call next.")

if marts_ready():
    weeks = data.call_weeks()
    if weeks is None:
        st.warning("No calls yet: connect Aircall, or load its CSV exports.")
    else:
        start, end = filters.period(*weeks)
        outcomes = data.call_outcomes_weekly(start, end)
        by_purpose = (
            outcomes.groupby("call_purpose", as_index=False)[["calls", "connected_calls"]]
            .sum()
            .assign(connect_rate=lambda f: f["connected_calls"] / f["calls"])
            .sort_values("calls", ascending=False)
        )
        st.subheader("Connect rate by purpose")
        charts.bars(
            by_purpose,
            "call_purpose",
            "connect_rate",
            "Call purpose",
            "Share of calls answered",
            value_format=".0%",
        )
        tables.show(
            by_purpose,
            "Connect rate by purpose",
            values=("call_purpose",),
            column_config={"Connect rate": st.column_config.NumberColumn(format="percent")},
        )
        st.subheader("Connect rate per week")
        weekly = (
            outcomes.groupby("week_start", as_index=False)[["calls", "connected_calls"]]
            .sum()
            .assign(connect_rate=lambda f: f["connected_calls"] / f["calls"])
        )
        charts.lines(
            weekly,
            "week_start",
            "connect_rate",
            "Week starting",
            "Share of calls answered",
            y_format=".0%",
            points=True,
        )
        st.subheader("By agent")
        agents = data.agent_connect_rates(start, end)
        tables.show(
            agents.assign(agent_id=agents["agent_id"].astype(str)),
            "Connect rate by agent",
            column_config={
                "Connect rate": st.column_config.NumberColumn(format="percent"),
                "Average talk seconds": st.column_config.NumberColumn(format="%.0f"),
            },
        )

    st.subheader("Who to call next")
    queue = data.call_queue()
    if queue.empty:
        st.info("Nobody is due a call.")
    else:
        reasons = sorted(queue["call_reason"].dropna().unique())
        reason = filters.choice("Call reason", ["all", *reasons], "reason", "all")
        shown = queue if reason in (None, "all") else queue[queue["call_reason"] == reason]
        tables.show(
            shown,
            "Call queue",
            values=("call_reason", "rfm_segment"),
            column_config={
                "Lifetime value": st.column_config.NumberColumn(format="%.2f"),
                "Urgency": st.column_config.NumberColumn(help="1 is the most urgent"),
                "Cadence days": st.column_config.NumberColumn(
                    help="Days to leave between calls for this reason"
                ),
            },
        )
        st.caption(
            "Customers appear by key only: an agent looks up who the key stands for, and "
            "their number, in the permissioned customer lookup of the shop's own systems. "
            "The dashboards never hold names, emails or phone numbers."
        )
