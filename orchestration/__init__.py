"""Dagster definitions for Earshot: ingestion, dbt build and checks, publication, schedules."""

from earshot.settings import configure_process

configure_process()
