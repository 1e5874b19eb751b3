"""Dagster definitions for Earshot: ingestion, dbt build and checks, publication, schedules."""
