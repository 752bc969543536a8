"""A tiny model2vec model the tests build (no download): one vector per word of the concept
table in tests/concepts.py, so synonyms embed alike, saved in model2vec's folder layout."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from model2vec import StaticModel
from tests import concepts
from tokenizers import Tokenizer, models, normalizers, pre_tokenizers

EXTRA_WORDS = ("paris", "alice", "bob", "dashboard", "report", "invoice")


def build(folder: Path) -> Path:
    """Save the model in `folder` (created) and return it."""
    vocabulary = sorted({w for words in concepts.CONCEPTS.values() for w in words} | {*EXTRA_WORDS})
    tokens = ["[UNK]", "[PAD]", *vocabulary]
    tokenizer = Tokenizer(models.WordLevel({t: i for i, t in enumerate(tokens)}, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Lowercase()
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    dims = 32
    vectors = np.zeros((len(tokens), dims), dtype=np.float32)
    for i, token in enumerate(vocabulary, start=2):
        vectors[i] = concepts.word_vector(token, dims)
    StaticModel(vectors, tokenizer, normalize=True).save_pretrained(str(folder))
    return folder
