"""Embeddings: the `Embedder` protocol, an OpenAI-compatible client over the project's provider
credentials, a local model2vec static model, the choice of embedder per project, and compact
vector storage ranked exactly (numpy, or sqlite-vec inside SQLite)."""
