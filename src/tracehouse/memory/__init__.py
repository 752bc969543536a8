"""Agent memory: entries scoped by a namespace path, deduplicated by content (or addressed by a
key), with a time to live, searched semantically when the project has an embedder."""
