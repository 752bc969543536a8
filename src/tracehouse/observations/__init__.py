"""Observations: the spans, generations and tool calls inside a trace."""
