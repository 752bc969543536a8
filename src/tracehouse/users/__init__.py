"""Users package."""
