"""Search across the spans of a project's traces: keyword, semantic and hybrid."""
