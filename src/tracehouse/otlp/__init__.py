"""OpenTelemetry (OTLP/HTTP) ingestion: `/v1/traces`, `/v1/logs` and the Langfuse OTel path."""
