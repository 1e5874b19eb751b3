"""What customers raise, and how it changes week on week."""

import pandas as pd
import streamlit as st

from dashboards import data
from dashboards.freshness import marts_ready
from dashboards.labels import label, labelled

# Praise and requests are not complaints: they get a table of their own.
COMPLAINT_CATEGORIES = ("pain_point", "site_experience")
CHARTED = 4

st.title("Themes")
st.write("What customers raise in calls and reviews, week by week.")


def ranked(week: pd.DataFrame) -> pd.DataFrame:
    """A week's themes, rising first: emerging ones, then by change against the 4 weeks before."""
    return week.sort_values(
        ["is_emerging", "change_vs_previous_4_weeks", "mentions"],
        ascending=[False, False, False],
        na_position="last",
    )


def table(week: pd.DataFrame) -> None:
    shown = week.assign(
        emerging=week["is_emerging"].map({True: "Rising", False: ""}),
    )[
        [
            "theme",
            "emerging",
            "mentions",
            "change_vs_previous_4_weeks",
            "customers",
            "share_of_voice",
            "average_sentiment",
        ]
    ]
    st.dataframe(
        labelled(shown, values=("theme",)).rename(
            columns={"Change vs previous 4 weeks": "Change vs 4 weeks before"}
        ),
        hide_index=True,
        column_config={
            "Share of voice": st.column_config.ProgressColumn(
                "Share of voice", format="percent", min_value=0.0, max_value=1.0
            ),
            "Change vs 4 weeks before": st.column_config.NumberColumn(format="percent"),
            "Average sentiment": st.column_config.NumberColumn(format="%.2f"),
        },
    )


if marts_ready():
    weekly = data.theme_weekly()
    if weekly.empty:
        st.warning("No theme mentions yet.")
    else:
        latest_week = weekly["week_start"].max()
        latest = ranked(weekly[weekly["week_start"] == latest_week])
        st.subheader(f"Week of {latest_week:%d %b %Y}, rising themes first")
        complaints = latest[latest["category"].isin(COMPLAINT_CATEGORIES)]
        others = latest[~latest["category"].isin(COMPLAINT_CATEGORIES)]
        st.markdown("**Complaints**")
        table(complaints)
        st.markdown("**Praise and requests**")
        table(others)
        themes = list(latest["theme"])
        chosen = st.multiselect(
            "Themes to chart", themes, default=themes[:CHARTED], format_func=label
        )
        st.subheader("Mentions per week")
        if not chosen:
            st.info("Choose at least one theme to chart.")
        else:
            trend = weekly[weekly["theme"].isin(chosen)].pivot_table(
                index="week_start", columns="theme", values="mentions", aggfunc="sum", fill_value=0
            )
            st.line_chart(
                trend.rename(columns=label),
                x_label="Week starting",
                y_label="Mentions (per week)",
            )
