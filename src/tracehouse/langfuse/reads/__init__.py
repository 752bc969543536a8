"""Langfuse's read endpoints over the same tables and trace filter as the native API: one
module per resource, their shared paging in `pages.py`."""

from tracehouse.langfuse.reads.observations import (
    get_observation,
    list_observations,
    list_observations_v2,
)
from tracehouse.langfuse.reads.scores import delete_score, get_score, list_scores_v2, list_scores_v3
from tracehouse.langfuse.reads.sessions import get_session, list_sessions
from tracehouse.langfuse.reads.traces import delete_traces, get_trace, list_traces

__all__ = [
    "delete_score",
    "delete_traces",
    "get_observation",
    "get_score",
    "get_session",
    "get_trace",
    "list_observations",
    "list_observations_v2",
    "list_scores_v2",
    "list_scores_v3",
    "list_sessions",
    "list_traces",
]
