"""Earshot's dashboards: ``streamlit run dashboards/streamlit_app.py``."""

import streamlit as st

st.set_page_config(page_title="Earshot", layout="wide")

pages = st.navigation(
    [
        st.Page("app_pages/themes.py", title="Themes", default=True),
        st.Page("app_pages/cohorts.py", title="Cohorts"),
        st.Page("app_pages/demand.py", title="Demand"),
    ]
)
pages.run()
