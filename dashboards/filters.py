"""The filters a page offers, kept in the URL's query parameters.

A stakeholder who sends a link sends the view: ``?from=2026-09-01&to=2026-11-30
&theme=price&channel=calls`` opens every page on the same period, theme and
channel. Values read from the URL are checked against what the marts hold (a
theme the shop does not have, a date outside the data) and fall back to the
default rather than failing; the values chosen are passed to ``data``'s
queries as parameters, never pasted into SQL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import streamlit as st

from dashboards.labels import label

# Which voice sources a channel means (voice_mentions.source, voice_documents.source).
CHANNELS: dict[str, tuple[str, ...]] = {
    "all": ("aircall_comment", "aircall_transcript", "judgeme_review"),
    "calls": ("aircall_comment", "aircall_transcript"),
    "reviews": ("judgeme_review",),
}
CHANNEL_LABELS = {"all": "Calls and reviews", "calls": "Calls", "reviews": "Reviews"}
DEFAULT_DAYS = 91
# What the filters last chose in this session, and on which page: carried to the next page.
_CHOSEN = "earshot_filters"
_PAGE = "earshot_page"


def _keep(name: str, value: str) -> None:
    """Put a chosen value in the URL, and remember it for the next page opened."""
    st.query_params[name] = value
    st.session_state.setdefault(_CHOSEN, {})[name] = value


def carry_over(page: str) -> None:
    """Open ``page`` on the period, theme, product and channel chosen on the page before.

    Moving between pages starts from a bare URL; a value the new page's URL
    does not set is taken from the last page, and checked there as any URL
    value is (a product this page does not know falls back to its default).
    """
    if st.session_state.get(_PAGE) not in (None, page):
        for name, value in st.session_state.get(_CHOSEN, {}).items():
            if name not in st.query_params:
                st.query_params[name] = value
    st.session_state[_PAGE] = page


def _param(name: str) -> str | None:
    value = st.query_params.get(name)
    return value or None


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def period(
    earliest: dt.date, latest: dt.date, default_days: int = DEFAULT_DAYS
) -> tuple[dt.date, dt.date]:
    """The period to show (``?from=``, ``?to=``): by default the last ``default_days`` of data."""
    start = _date(_param("from"))
    end = _date(_param("to"))
    default_start = max(earliest, latest - dt.timedelta(days=default_days - 1))
    start = start if start and earliest <= start <= latest else default_start
    end = end if end and start <= end <= latest else latest
    chosen = st.sidebar.date_input(
        "Period",
        value=(start, end),
        min_value=earliest,
        max_value=latest,
        key="period",
        format="YYYY-MM-DD",
    )
    if isinstance(chosen, Sequence) and len(chosen) == 2:
        start, end = chosen
    _keep("from", start.isoformat())
    _keep("to", end.isoformat())
    return start, end


def choice(
    title: str,
    options: Sequence[str],
    name: str,
    default: str | None = None,
    format_func: Callable[[str], str] = label,
) -> str | None:
    """One of ``options``, kept in ``?<name>=``; ``None`` when there is nothing to choose."""
    if not options:
        st.query_params.pop(name, None)
        return None
    wanted = _param(name)
    start = wanted if wanted in options else (default if default in options else options[0])
    chosen = st.sidebar.selectbox(
        title, options, index=list(options).index(start), key=name, format_func=format_func
    )
    _keep(name, chosen)
    return chosen


def channel() -> tuple[str, tuple[str, ...]]:
    """The channel (``?channel=calls|reviews|all``) and the voice sources it covers."""
    chosen = choice(
        "Channel", list(CHANNELS), "channel", "all", format_func=CHANNEL_LABELS.__getitem__
    )
    return chosen or "all", CHANNELS[chosen or "all"]
