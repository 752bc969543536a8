"""Traces package."""
