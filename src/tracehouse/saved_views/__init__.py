"""Saved views: named trace-list filters, columns and sort, per project."""
