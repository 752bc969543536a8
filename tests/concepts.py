"""Deterministic "semantic" vectors for tests: words of one concept (a small synonym table) share
a direction, so a paraphrase that shares no word with a text is still near it. Used by the fake
OpenAI server's `/v1/embeddings` and by the tiny model2vec model the tests build."""

from __future__ import annotations

import hashlib
import re

import numpy as np

DIMENSIONS = 64

CONCEPTS: dict[str, tuple[str, ...]] = {
    "like": ("like", "likes", "prefer", "prefers", "preference", "love", "loves", "enjoys"),
    "dark": ("dark", "night", "black", "dim"),
    "theme": ("theme", "mode", "appearance", "colours", "colors", "scheme"),
    "coffee": ("coffee", "espresso", "latte", "cappuccino"),
    "tea": ("tea", "chai", "matcha"),
    "vegetarian": ("vegetarian", "vegan", "meatless"),
    "food": ("food", "meal", "meals", "dish", "dishes", "diet", "eat", "eats", "cuisine"),
    "error": ("error", "failure", "failed", "fails", "exception", "crash", "crashed"),
    "timeout": ("timeout", "timed", "deadline", "slow"),
    "database": ("database", "db", "sql", "postgres", "sqlite"),
    "connection": ("connection", "connect", "network", "socket"),
    "weather": ("weather", "forecast", "rain", "sunny", "temperature"),
    "language": ("language", "french", "english", "spanish", "german"),
    "speak": ("speak", "speaks", "talk", "write", "writes", "reply", "answer"),
    "user": ("user", "customer", "client", "person"),
}
STOP_WORDS = frozenset(
    [
        "a",
        "an",
        "the",
        "is",
        "are",
        "to",
        "of",
        "in",
        "on",
        "at",
        "and",
        "or",
        "for",
        "with",
        "who",
        "what",
        "which",
        "me",
        "my",
    ]
)
_CONCEPT_OF = {word: concept for concept, words in CONCEPTS.items() for word in words}


def words(text: str) -> list[str]:
    return [w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in STOP_WORDS]


def direction(token: str, dims: int = DIMENSIONS) -> np.ndarray:
    """A fixed pseudo-random unit vector for a concept (or an unknown word)."""
    seed = int.from_bytes(hashlib.sha256(token.encode()).digest()[:8], "little")
    vector = np.random.default_rng(seed).normal(size=dims)
    return (vector / np.linalg.norm(vector)).astype(np.float32)


def word_vector(word: str, dims: int = DIMENSIONS) -> np.ndarray:
    return direction(_CONCEPT_OF.get(word, word), dims)


def embed(text: str, dims: int = DIMENSIONS) -> list[float]:
    """The text's vector: the normalised sum of its words' concept directions."""
    total = np.zeros(dims, dtype=np.float32)
    for word in words(text):
        total += word_vector(word, dims)
    norm = float(np.linalg.norm(total))
    return [float(x) for x in (total / norm if norm else total)]
