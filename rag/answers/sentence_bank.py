"""Sentence spans and vectors per passage, computed once per process and reused across questions."""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable

import numpy as np

from ingest.sentences import sentence_spans

Encode = Callable[[list[str]], np.ndarray]


def quotable_sentences(texts: Iterable[str]) -> list[str]:
    """The sentences of the passages, as the bank cuts them (the same cache keys)."""
    return list(dict.fromkeys(text[a:b] for text in texts for a, b in sentence_spans(text)))


class SentenceBank:
    """Sentence spans and unit vectors per passage text, computed once and kept (LRU).

    Embedding sentences is what an answer costs; passages recur across questions, so each is split
    and encoded once per process (and `encode` may itself be backed by the on-disk embedding cache).
    """

    def __init__(
        self,
        encode: Encode,
        max_passages: int = 4096,
        encode_query: Encode | None = None,
        answer_encode: Encode | None = None,
        answer_encode_query: Encode | None = None,
    ) -> None:
        self._encode = encode
        self._encode_query = encode_query or encode
        self._answer_encode = answer_encode  # the answer encoder (`rag.answers.answer_encoder`), when on
        self._answer_encode_query = answer_encode_query or answer_encode
        self._max = max_passages
        self._rows: OrderedDict[str, tuple[list[tuple[int, int]], np.ndarray]] = OrderedDict()
        self._answer_rows: OrderedDict[str, np.ndarray] = OrderedDict()

    @property
    def answer_encoder_on(self) -> bool:
        """Whether `answer_cosines` reads an answer encoder (off: the features it fills stay 0)."""
        return self._answer_encode is not None

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()

    def prepare(self, texts: list[str]) -> None:
        """Split and encode, in one batch, every passage not seen yet."""
        todo: dict[str, tuple[str, list[tuple[int, int]]]] = {}
        for text in texts:
            key = self._key(text)
            if key in self._rows:
                self._rows.move_to_end(key)
            elif key not in todo:
                todo[key] = (text, sentence_spans(text))
        if not todo:
            return
        flat = [text[a:b] for text, spans in todo.values() for a, b in spans]
        vectors = self._encode(flat) if flat else np.zeros((0, 1), np.float32)
        at = 0
        for key, (_, spans) in todo.items():
            self._rows[key] = (spans, vectors[at : at + len(spans)])
            at += len(spans)
        while len(self._rows) > self._max:
            self._rows.popitem(last=False)

    def get(self, text: str) -> tuple[list[tuple[int, int]], np.ndarray]:
        key = self._key(text)
        if key not in self._rows:
            self.prepare([text])
        return self._rows[key]

    def encode(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_query(self, text: str) -> np.ndarray:
        """A question-side text (not kept: questions rarely recur, passages do)."""
        return self._encode_query([text])[0]

    def answer_cosines(self, question: str, sentences: list[str]) -> np.ndarray | None:
        """Each sentence's cosine to the question under the answer encoder (None when it is off). Sentence
        vectors are kept like passages' (a candidate recurs across questions); the question's is not."""
        if self._answer_encode is None or not sentences:
            return None
        keys = [self._key(t) for t in sentences]
        todo = {k: t for k, t in zip(keys, sentences, strict=True) if k not in self._answer_rows}
        if todo:
            self._answer_rows.update(zip(todo, self._answer_encode(list(todo.values())), strict=True))
        question_vector = self._answer_encode_query([question])[0]
        for key in keys:
            self._answer_rows.move_to_end(key)
        while len(self._answer_rows) > self._max * 16:  # about as many sentences as the passages kept hold
            self._answer_rows.popitem(last=False)
        return np.array([float(self._answer_rows[k] @ question_vector) for k in keys], dtype=np.float32)
