"""Http package."""
