"""Checkpoints: an agent's state at a point of a run, its files stored once by content hash."""
