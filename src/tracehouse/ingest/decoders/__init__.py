"""Decoders package."""
