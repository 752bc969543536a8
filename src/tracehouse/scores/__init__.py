"""Scores: numeric, categorical and boolean judgements on traces, observations, sessions."""
