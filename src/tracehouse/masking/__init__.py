"""Server-side PII masking: per-project rules applied to every batch before it is written."""
