"""Collaboration: comments with @mentions, assignments of traces and sessions, notifications."""
