"""Tracehouse: self-hostable observability for LLM applications and AI agents."""

__version__ = "0.1.0"
