"""Tables as every page shows them: plain-language headers and a download underneath."""

from __future__ import annotations

import re

import pandas as pd
import streamlit as st

from dashboards.labels import labelled


def show(
    frame: pd.DataFrame,
    name: str,
    values: tuple[str, ...] = (),
    column_config: dict | None = None,
    **options,
) -> None:
    """``frame`` with labelled headers (and ``values`` columns), then a CSV download of it.

    The download holds what the table shows, so a stakeholder's spreadsheet
    matches the page. ``name`` titles the file (``theme-ranking.csv``).
    """
    shown = labelled(frame, values=values)
    st.dataframe(shown, hide_index=True, column_config=column_config, **options)
    download(shown, name)


def download(frame: pd.DataFrame, name: str) -> None:
    """A CSV download of ``frame``, titled by ``name`` (``theme-ranking.csv``)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    st.download_button(
        f"Download {name.lower()} (CSV)",
        frame.to_csv(index=False).encode("utf-8"),
        file_name=f"{slug}.csv",
        mime="text/csv",
        key=f"download-{slug}",
        on_click="ignore",
    )


def written(frame: pd.DataFrame, formats: dict[str, str]) -> pd.DataFrame:
    """``frame`` with the named columns written out by their formats, a missing value as blank.

    A table shows nothing, not "None", where a figure has no value (a change
    against four weeks without mentions, a sentiment with nothing said).
    """
    out = frame.copy()
    for column, number_format in formats.items():
        out[column] = [
            "" if pd.isna(value) else number_format.format(value) for value in out[column]
        ]
    return out
