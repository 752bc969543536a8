"""Store package."""
