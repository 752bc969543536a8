"""Usage: traces, observations, tokens, cost and API requests against plan limits."""
