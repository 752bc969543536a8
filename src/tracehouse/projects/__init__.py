"""Projects package."""
