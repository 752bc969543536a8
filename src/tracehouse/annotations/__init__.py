"""Human annotation: queues of traces to score by hand with a score config."""
