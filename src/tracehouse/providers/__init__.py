"""LLM providers: per-project credentials (API keys encrypted at rest) and one chat client."""
