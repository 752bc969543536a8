"""BM25 over a window of SQLite FTS5 matches, scored here instead of by FTS5's `bm25()`.

`bm25()` first counts, once per query, every chunk holding each query word (its IDF): for words
in 40 % of a million chunks that alone costs about 30 ms, whatever the window. Here the
document frequency of a word is counted once per process (estimated from the newest chunks for a
word common among them) and kept (`DF_SECONDS`, and until the number of chunks moved by a
tenth), the number of chunks is read from FTS5's own totals, and
each chunk of the window is scored from its text:

- term frequency: the occurrences of the word's crude stem (the word lowercased, a plural or
  `-ed`/`-ing` ending cut) at the start of a word of the chunk, at least 1 (FTS5 found the
  word, stemmed by Porter's algorithm, in every chunk of the window);
- length: the chunk's characters against the window's average (FTS5 counts tokens);
- BM25 with FTS5's constants (k1 = 1.2, b = 0.75, an IDF of a word in most chunks floored
  at 1e-6).

So scores are close to `bm25()`'s but not equal; they rank one query's window only.
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy import Connection, Engine, text

K1, B = 1.2, 0.75
#: How long a word's document frequency is kept (seconds).
DF_SECONDS = 600.0
_DF_MAX = 10_000
#: A word's document frequency is estimated from the newest rowids when it holds SAMPLE_MIN.
SAMPLE_ROWIDS, SAMPLE_MIN = 50_000, 200
_ENDINGS = ("ings", "ing", "edly", "ed", "ies", "es", "s")
_SEPARATORS = bytes(
    b if (chr(b).isalnum() or b >= 0x80 or b == 1) else 0x20 for b in range(256)
)  # ASCII letters and digits, UTF-8 bytes and \x01 (between bodies) kept, the rest a space
Floats = np.ndarray[Any, np.dtype[np.float64]]

#: {engine: {word: (document frequency, chunks then, when counted)}}
_df: weakref.WeakKeyDictionary[Engine, dict[str, tuple[int, int, float]]] = (
    weakref.WeakKeyDictionary()
)
_lock = threading.Lock()


def stem(word: str) -> str:
    """The word lowercased without a common ending (what its occurrences start with)."""
    low = word.lower()
    for ending in _ENDINGS:
        if low.endswith(ending) and len(low) - len(ending) >= 3:
            return low[: -len(ending)]
    return low


def total_rows(conn: Connection, fts_table: str) -> int:
    """The chunks FTS5 indexes, from its averages record (rowid 1 of `<table>_data`)."""
    block = conn.execute(text(f"SELECT block FROM {fts_table}_data WHERE id = 1")).scalar()
    return _varint(bytes(block)) if block else 0


def _varint(data: bytes) -> int:
    """SQLite's variable-length integer at the start of `data`."""
    value = 0
    for i, byte in enumerate(data[:9]):
        if i == 8:
            return (value << 8) | byte
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            break
    return value


def document_frequency(conn: Connection, fts_table: str, word: str, rows: int, top: int) -> int:
    """How many chunks hold the word (as FTS5 matches it): counted once, then kept for
    DF_SECONDS while the number of chunks stays within a tenth of `rows`. A word common in
    the newest SAMPLE_ROWIDS rowids (through `top`, the highest) is estimated from them (about
    1 ms instead of 17 at 1,000,000 chunks, for a word in 40 % of them)."""
    key = word.lower()
    with _lock:
        known = _df.setdefault(conn.engine, {}).get(key)
    if known and time.monotonic() - known[2] < DF_SECONDS and abs(known[1] - rows) <= rows / 10:
        return known[0]
    df = _sampled(conn, fts_table, word, rows, top)
    if df is None:
        count = f"SELECT count(*) FROM {fts_table} WHERE {fts_table} MATCH :q"
        df = int(conn.execute(text(count), {"q": f'"{word}"'}).scalar_one())
    with _lock:
        words = _df.setdefault(conn.engine, {})
        if len(words) >= _DF_MAX:
            words.clear()
        words[key] = (df, rows, time.monotonic())
    return df


def _sampled(conn: Connection, fts_table: str, word: str, rows: int, top: int) -> int | None:
    """The word's document frequency scaled from the newest rowids (taken as dense), or None
    when it is too rare there to tell (then it is counted)."""
    span = min(SAMPLE_ROWIDS, top)
    if rows <= span:
        return None
    count = f"SELECT count(*) FROM {fts_table} WHERE {fts_table} MATCH :q AND rowid > :low"
    found = int(conn.execute(text(count), {"q": f'"{word}"', "low": top - span}).scalar_one())
    return min(rows, round(found * rows / span)) if found >= SAMPLE_MIN else None


def idf(df: int, rows: int) -> float:
    value = math.log((rows - df + 0.5) / (df + 0.5)) if rows else 0.0
    return value if value > 0 else 1e-6


def scores(bodies: Sequence[str], words: Sequence[str], weights: Sequence[float]) -> Floats:
    """BM25 of each body for the words (each with its IDF weight). The bodies are lowered and
    cut into words as one byte string (a few passes in C, not a few per body)."""
    if not bodies:
        return np.zeros(0)
    docs = _haystacks(bodies)
    lengths = np.fromiter((len(doc) for doc in docs), dtype=np.float64, count=len(docs))
    norm = K1 * (1 - B + B * lengths / (lengths.mean() or 1.0))
    total = np.zeros(len(docs))
    for word, weight in zip(words, weights, strict=True):
        probe = b" " + stem(word).encode()
        counts = np.fromiter((doc.count(probe) for doc in docs), dtype=np.float64, count=len(docs))
        tf = np.maximum(1.0, counts)
        total += weight * tf * (K1 + 1) / (tf + norm)
    return total


def _haystacks(bodies: Sequence[str]) -> list[bytes]:
    """Each body lowercased as UTF-8 bytes after a space, separators as spaces."""
    data = b" " + "\x01 ".join(bodies).lower().encode("utf-8", "replace").translate(_SEPARATORS)
    docs = data.split(b"\x01")
    if len(docs) != len(bodies):  # a body held the separator
        return [
            (" " + body.replace("\x01", " "))
            .lower()
            .encode("utf-8", "replace")
            .translate(_SEPARATORS)
            for body in bodies
        ]
    return docs
