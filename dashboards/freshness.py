"""What every page shows first: how fresh the data is, or why there is none."""

from __future__ import annotations

import streamlit as st

from dashboards import data


def marts_ready() -> bool:
    """Show the publication time; return False (after saying why) when nothing is published."""
    try:
        published = data.published_at()
    except data.MartsNotPublishedError as missing:
        st.info(str(missing))
        return False
    through = data.data_through()
    if through is not None and published is not None:
        st.caption(
            f"Data through {through:%Y-%m-%d %H:%M} UTC · published {published:%Y-%m-%d %H:%M} UTC"
        )
    elif published is not None:
        st.caption(f"No orders, calls or reviews yet · published {published:%Y-%m-%d %H:%M} UTC")
    return True
