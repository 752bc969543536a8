"""OTLP metrics: the GenAI client metrics kept beside the traces, and read back."""
