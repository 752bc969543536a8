"""Evaluators: LLM-as-judge (built-in and custom templates), code rules and human annotation."""
