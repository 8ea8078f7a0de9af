"""The segmented BM25 index: written in place, scored as a full rebuild would be (and as bm25s scores)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from rag.index.lexical import MAX_SEGMENTS, LexicalIndex
from rag.text import tokenize
from tests.conftest import BUNDLED

QUERIES = ["verifier-free reinforcement learning", "GUI grounding box size", "奖励分解", "reward reward model"]


def _rows() -> list[tuple[str, str, str, str]]:
    rows = []
    for line in BUNDLED.read_text(encoding="utf-8").splitlines():
        paper = json.loads(line)
        for n, part in enumerate([paper["abstract"], *paper.get("takeaways_zh", [])[:2]]):
            rows.append((f"{paper['id']}#{n}", paper["id"], "zh" if n else "abstract", f"{paper['title']}\n\n{part}"))
    return rows


def _same_scores(a: LexicalIndex, b: LexicalIndex) -> None:
    assert sorted(a.ids) == sorted(b.ids)
    for query in QUERIES:
        assert dict(a.search(query, 100)) == pytest.approx(dict(b.search(query, 100)), rel=1e-5)


def test_scores_are_bm25s_scores() -> None:
    import bm25s

    rows = _rows()
    index = LexicalIndex.build(rows, revision=1)
    vocab: dict[str, int] = {}
    tokens = [[vocab.setdefault(t, len(vocab)) for t in tokenize(r[3])] for r in rows]
    model = bm25s.BM25()
    model.index((tokens, dict(vocab)), show_progress=False)
    for query in QUERIES:
        known = [t for t in tokenize(query) if t in model.vocab_dict]
        assert index.scores(query) == pytest.approx(np.asarray(model.get_scores(known)), rel=1e-5, abs=1e-6)


def test_adds_and_removes_in_place_equal_a_full_build_through_merges_and_saves(tmp_path: Path) -> None:
    rows = _rows()
    papers = sorted({r[1] for r in rows})
    rng = random.Random(7)
    present = set(papers[:5])
    index = LexicalIndex.build([r for r in rows if r[1] in present], revision=1)
    for step in range(2, 40):
        pid = rng.choice(papers)
        if pid in present:
            present.discard(pid)
            index = index.updated([], {pid}, step, {})
        else:
            present.add(pid)
            index = index.updated([r for r in rows if r[1] == pid], {pid}, step, {})
        assert len(index.segments) <= MAX_SEGMENTS + 1
        if step % 9 == 0:
            index.save(tmp_path / "bm25")
            index = LexicalIndex.load(tmp_path / "bm25")
            assert index is not None and index.revision == step
        _same_scores(index, LexicalIndex.build([r for r in rows if r[1] in present], revision=0))
    assert set(index.paper_ids) == present


def test_a_save_writes_only_the_new_segment_and_old_formats_are_rebuilt(tmp_path: Path) -> None:
    rows = _rows()
    folder = tmp_path / "bm25"
    index = LexicalIndex.build(rows[:-3], revision=1)
    index.save(folder)
    before = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.npz")}
    index = index.updated(rows[-3:], set(), 2, {})
    index.save(folder)
    after = {p.name: p.stat().st_mtime_ns for p in folder.glob("*.npz")}
    assert len(after) == len(before) + 1 and all(after[name] == t for name, t in before.items())
    _same_scores(LexicalIndex.load(folder), LexicalIndex.build(rows, revision=0))
    (folder / "rows.json").write_text(json.dumps({"tokenizer": 1, "revision": 3, "ids": []}), encoding="utf-8")
    assert LexicalIndex.load(folder) is None  # the bm25s-era layout: rebuilt from Chroma by the caller
