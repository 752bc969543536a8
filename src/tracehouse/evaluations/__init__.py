"""Evaluation runs (trace-runs, session-runs, executions), evaluations with criteria and run
history, and monitors (online evaluators over live traces), served by a background worker."""
