"""Earshot's dashboards: ``streamlit run dashboards/streamlit_app.py``."""

import streamlit as st

from dashboards import filters

st.set_page_config(page_title="Earshot", layout="wide")

pages = st.navigation(
    [
        st.Page("app_pages/overview.py", title="Overview", default=True),
        st.Page("app_pages/themes.py", title="Voice of the customer", url_path="voice"),
        st.Page("app_pages/non_buyers.py", title="Why they don't buy", url_path="non-buyers"),
        st.Page("app_pages/language_gap.py", title="Language gap", url_path="language-gap"),
        st.Page("app_pages/cohorts.py", title="Cohorts"),
        st.Page("app_pages/calls.py", title="Calls"),
        st.Page("app_pages/demand.py", title="Demand"),
        st.Page("app_pages/actions.py", title="Actions"),
    ]
)
filters.carry_over(pages.url_path)
pages.run()
