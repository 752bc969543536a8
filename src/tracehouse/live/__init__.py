"""Live events: trace.created / trace.updated fanned out to WebSocket subscribers."""
