"""Shared plumbing for Earshot: one place that says where the warehouse lives."""
