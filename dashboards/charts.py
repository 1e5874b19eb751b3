"""Charts as every page draws them: titled axes with units, years on every date.

Altair (Vega-Lite), which Streamlit ships with: a week reads "07 Sep 2026", a
month "Sep 2026", so a chart that spans a new year is never ambiguous. Series
are named in plain words (``labels.label``) before they are drawn.
"""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboards.labels import label

WEEK = "%d %b %Y"
MONTH = "%b %Y"
# Series beyond this many repeat colours; pages chart fewer.
MOST_SERIES = 12


TICKS = {WEEK: "week", MONTH: "month"}


def _x(field: str, title: str, date_format: str | None) -> alt.X:
    if date_format:
        axis = alt.Axis(format=date_format, labelAngle=-30, tickCount=TICKS.get(date_format))
        return alt.X(f"{field}:T", title=title, axis=axis)
    return alt.X(f"{field}:Q", title=title)


def lines(
    frame: pd.DataFrame,
    x: str,
    y: str,
    x_title: str,
    y_title: str,
    series: str | None = None,
    date_format: str | None = WEEK,
    y_format: str | None = None,
    points: bool = False,
) -> None:
    """One line per value of ``series`` (or a single line), drawn full width."""
    data = frame.copy()
    encoding = {
        "x": _x(x, x_title, date_format),
        "y": alt.Y(f"{y}:Q", title=y_title, axis=alt.Axis(format=y_format or ",")),
        "tooltip": [
            alt.Tooltip(f"{x}:T" if date_format else f"{x}:Q", title=x_title, format=date_format)
            if date_format
            else alt.Tooltip(f"{x}:Q", title=x_title),
            alt.Tooltip(f"{y}:Q", title=y_title, format=y_format or ",.2f"),
        ],
    }
    if series:
        data[series] = data[series].map(label)
        encoding["color"] = alt.Color(
            f"{series}:N",
            title=label(series),
            legend=alt.Legend(orient="bottom", columns=4, labelLimit=240),
        )
        encoding["tooltip"].insert(0, alt.Tooltip(f"{series}:N", title=label(series)))
    chart = alt.Chart(data).mark_line(point=points).encode(**encoding)
    st.altair_chart(chart, width="stretch")


def bars(
    frame: pd.DataFrame,
    category: str,
    value: str,
    category_title: str,
    value_title: str,
    value_format: str | None = None,
    plain_words: bool = True,
) -> None:
    """Horizontal bars, largest first: for rankings (categories in plain words unless told)."""
    data = frame.copy()
    if plain_words:
        data[category] = data[category].map(label)
    chart = (
        alt.Chart(data)
        .mark_bar()
        .encode(
            y=alt.Y(f"{category}:N", title=category_title, sort="-x"),
            x=alt.X(
                f"{value}:Q",
                title=value_title,
                axis=alt.Axis(format=value_format or ","),
            ),
            tooltip=[
                alt.Tooltip(f"{category}:N", title=category_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=value_format or ",.2f"),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")


def heat(
    frame: pd.DataFrame,
    x: str,
    y: str,
    value: str,
    x_title: str,
    y_title: str,
    value_title: str,
    value_format: str = ".0%",
) -> None:
    """A shaded grid: one cell per (x, y), darker for larger values, the value on hover."""
    chart = (
        alt.Chart(frame)
        .mark_rect()
        .encode(
            x=alt.X(f"{x}:O", title=x_title),
            y=alt.Y(f"{y}:O", title=y_title, sort="descending"),
            color=alt.Color(
                f"{value}:Q",
                title=value_title,
                scale=alt.Scale(scheme="blues"),
                legend=alt.Legend(format=value_format),
            ),
            tooltip=[
                alt.Tooltip(f"{y}:O", title=y_title),
                alt.Tooltip(f"{x}:O", title=x_title),
                alt.Tooltip(f"{value}:Q", title=value_title, format=value_format),
            ],
        )
    )
    st.altair_chart(chart, width="stretch")
