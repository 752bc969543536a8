"""The audit log: who changed what, append-only and hash-chained (`record` is the one call)."""
