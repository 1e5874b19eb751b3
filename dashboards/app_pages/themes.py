"""What customers raise, and how it changes week on week."""

import streamlit as st

from dashboards import data
from dashboards.freshness import marts_ready
from dashboards.labels import label, labelled

st.title("Themes")
st.write("What customers raise in calls and reviews, week by week.")

if marts_ready():
    weekly = data.theme_weekly()
    if weekly.empty:
        st.warning("No theme mentions yet.")
    else:
        latest_week = weekly["week_start"].max()
        latest = weekly[weekly["week_start"] == latest_week].sort_values(
            "mentions", ascending=False
        )
        st.subheader(f"Week of {latest_week:%d %b %Y}")
        st.dataframe(
            labelled(
                latest[["theme", "category", "mentions", "customers", "share_of_voice"]],
                values=("theme", "category"),
            ),
            hide_index=True,
            column_config={
                "Share of voice": st.column_config.ProgressColumn(
                    "Share of voice", format="percent", min_value=0.0, max_value=1.0
                )
            },
        )
        themes = sorted(weekly["theme"].unique())
        chosen = st.multiselect("Themes to chart", themes, default=themes[:4], format_func=label)
        trend = weekly[weekly["theme"].isin(chosen)].pivot_table(
            index="week_start", columns="theme", values="mentions", aggfunc="sum", fill_value=0
        )
        st.subheader("Mentions per week")
        st.line_chart(
            trend.rename(columns=label), x_label="Week starting", y_label="Mentions (per week)"
        )
