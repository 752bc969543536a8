"""Sessions: the traces that share a session id (a conversation, an agent run)."""
