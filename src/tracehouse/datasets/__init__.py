"""Datasets: items versioned by time, runs (experiments) linking items to the traces they made."""
