"""What customers raise, how it changes week on week, and in their own (redacted) words."""

import pandas as pd
import streamlit as st

from dashboards import charts, data, filters, redact, tables
from dashboards.freshness import marts_ready
from dashboards.labels import label

# Praise and requests are not complaints: they get a table of their own.
COMPLAINT_CATEGORIES = ("pain_point", "site_experience")
CHARTED = 4
QUOTES = 5
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")

st.title("Voice of the customer")
st.write("What customers raise in calls and reviews, week by week.")


def ranked(week: pd.DataFrame) -> pd.DataFrame:
    """A week's themes, rising first: emerging ones, then by change against the 4 weeks before."""
    return week.sort_values(
        ["is_emerging", "change_vs_previous_4_weeks", "mentions"],
        ascending=[False, False, False],
        na_position="last",
    )


def table(week: pd.DataFrame, name: str) -> None:
    shown = week.assign(emerging=week["is_emerging"].map({True: "Rising", False: ""}))[
        [
            "theme",
            "emerging",
            "mentions",
            "change_vs_previous_4_weeks",
            "customers",
            "share_of_voice",
            "average_sentiment",
        ]
    ].rename(columns={"change_vs_previous_4_weeks": "change_vs_4_weeks_before"})
    tables.show(
        tables.written(
            shown, {"change_vs_4_weeks_before": "{:+.0%}", "average_sentiment": "{:+.2f}"}
        ),
        name,
        values=("theme",),
        column_config={
            "Share of voice": st.column_config.ProgressColumn(
                "Share of voice", format="percent", min_value=0.0, max_value=1.0
            ),
        },
    )


def quotes(theme: str, start, end, sources) -> None:
    found = data.theme_quotes(theme, start, end, sources, QUOTES)
    if found.empty:
        st.info(f"No {label(theme).lower()} texts in this period and channel.")
        return
    keep = redact.words_of(data.product_titles())
    for row in found.itertuples():
        st.markdown(f"> {redact.redact(row.document_text, keep)}")
        st.caption(f"{label(row.source)} · {row.said_at:%d %b %Y} · {label(row.sentiment_label)}")


if marts_ready():
    weeks = data.theme_weeks()
    if weeks is None:
        st.warning("No theme mentions yet.")
    else:
        start, end = filters.period(*weeks)
        channel, sources = filters.channel()
        weekly = data.theme_weekly(start, end)
        if weekly.empty:
            st.info("No theme mentions in this period: choose a longer one.")
            st.stop()
        latest_week = weekly["week_start"].max()
        latest = ranked(weekly[weekly["week_start"] == latest_week])
        st.subheader(f"Week of {latest_week:%d %b %Y}, rising themes first")
        st.caption("Calls and reviews together; the channel filter applies to the sections below.")
        complaints = latest[latest["category"].isin(COMPLAINT_CATEGORIES)]
        others = latest[~latest["category"].isin(COMPLAINT_CATEGORIES)]
        st.markdown("**Complaints**")
        table(complaints, "Complaints")
        st.markdown("**Praise and requests**")
        table(others, "Praise and requests")

        themes = list(latest["theme"])
        chosen = st.multiselect(
            "Themes to chart", themes, default=themes[:CHARTED], format_func=label
        )
        st.subheader("Mentions per week")
        if not chosen:
            st.info("Choose at least one theme to chart.")
        else:
            charts.lines(
                weekly[weekly["theme"].isin(chosen)],
                "week_start",
                "mentions",
                "Week starting",
                "Mentions (per week)",
                series="theme",
            )

        theme = filters.choice("Theme", sorted(themes), "theme", themes[0])
        st.subheader(f"{label(theme)}: sentiment per week ({filters.CHANNEL_LABELS[channel]})")
        sentiment = data.theme_sentiment_weekly(start, end, sources, theme)
        if sentiment.empty:
            st.info(f"No {label(theme).lower()} mentions in this period and channel.")
        else:
            charts.lines(
                sentiment,
                "week_start",
                "average_sentiment",
                "Week starting",
                "Average sentiment (-1 negative to 1 positive)",
                points=True,
            )
        st.subheader("Price sentiment by month of the year")
        season = data.price_sentiment_by_month(sources)
        if season.empty:
            st.info("No price mentions in this channel yet.")
        else:
            season["month_name"] = season["month"].map(lambda m: MONTHS[int(m) - 1])
            tables.show(
                season[["month_name", "mentions", "average_sentiment"]].rename(
                    columns={"month_name": "month"}
                ),
                "Price sentiment by month",
                column_config={"Average sentiment": st.column_config.NumberColumn(format="%.2f")},
            )
        st.subheader(f"In customers' words: {label(theme).lower()}")
        st.caption("Names, email addresses, phone and card numbers are taken out.")
        quotes(theme, start, end, sources)
