"""Tapes: public, read-only snapshots of a trace, the embed player's data, and explore."""
