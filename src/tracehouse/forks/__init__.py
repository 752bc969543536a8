"""Forks: branch a trace at a span, with modifications, and compare what a replay did."""
