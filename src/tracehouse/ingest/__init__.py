"""Ingest package."""
