"""Streamlit dashboards over the published marts."""
