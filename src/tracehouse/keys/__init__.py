"""Keys package."""
