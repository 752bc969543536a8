"""Pricing package."""
