"""Langfuse's public API under `/api/public`: the same services as the native API, spoken in
Langfuse's wire format (camelCase, page-based and cursor pagination, 207 batch answers) so
Langfuse SDKs and tools work unchanged. Prompts, datasets and media come with their own issue.
"""
