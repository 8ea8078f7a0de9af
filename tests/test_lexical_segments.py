"""The segmented BM25 index: written in place, scored as a full rebuild would be (and as bm25s scores)."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from rag.index.lexical import MAX_SEGMENTS, LexicalIndex
from rag.text import TOKENIZER_VERSION, tokenize
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


def test_a_save_costs_the_change_and_signatures_live_in_their_segments(tmp_path: Path) -> None:
    rows = _rows()
    folder = tmp_path / "bm25"
    many = {f"paper-{n}": f"hash{n}:3" for n in range(5000)}  # a large library's catalogue signatures
    index = LexicalIndex.build(rows[:-3], revision=1, papers=many)
    index.save(folder)
    manifest_before = (folder / "rows.json").stat().st_size
    added = rows[-3:]
    index = index.updated(added, {added[0][1]}, 2, {added[0][1]: "new:3", "paper-7": ""})
    index.save(folder)
    newest = max(folder.glob("*.npz"), key=lambda p: p.stat().st_mtime_ns)
    assert (folder / "rows.json").stat().st_size < 300 and manifest_before < 300  # names segments, no signatures
    assert newest.stat().st_size < len(json.dumps(many)) / 10  # its rows and two signatures, not 5,000
    loaded = LexicalIndex.load(folder)
    expected = {**{p: s for p, s in many.items() if p != "paper-7"}, added[0][1]: "new:3"}
    assert loaded is not None and loaded.papers == index.papers == expected
    _same_scores(loaded, LexicalIndex.build(rows, revision=0))


def test_dead_rows_are_derived_from_later_segments_after_a_reload(tmp_path: Path) -> None:
    rows = _rows()
    papers = sorted({r[1] for r in rows})
    index = LexicalIndex.build(rows, revision=1, papers=dict.fromkeys(papers, "s1"))
    gone, renewed = papers[0], papers[1]
    index = index.updated([], {gone}, 2, {gone: ""})
    index = index.updated([r for r in rows if r[1] == renewed], {renewed}, 3, {renewed: "s2"})
    index.save(tmp_path / "bm25")
    loaded = LexicalIndex.load(tmp_path / "bm25")
    assert loaded is not None
    assert [d.tolist() for d in loaded.dead] == [d.tolist() for d in index.dead]
    assert gone not in loaded.papers and loaded.papers[renewed] == "s2"
    assert loaded.row(f"{gone}#0") is None and loaded.kind_of(f"{renewed}#0") == "abstract"
    assert loaded.id_at(loaded.row(f"{renewed}#0")) == f"{renewed}#0"
    _same_scores(loaded, LexicalIndex.build([r for r in rows if r[1] != gone], revision=0))


def _as_format_2(index: LexicalIndex, folder: Path) -> None:
    """Save `index` as the previous format did: segments without drops or signatures, and a manifest
    listing every segment's dead rows and every paper's signature."""
    folder.mkdir(parents=True)
    for seg in index.segments:
        seg.drop, seg.signatures = [], {}
        seg.write(folder)
    manifest = {
        "tokenizer": TOKENIZER_VERSION,
        "format": 2,
        "revision": index.revision,
        "segments": [
            {"name": s.name, "dead": np.flatnonzero(d).tolist()}
            for s, d in zip(index.segments, index.dead, strict=True)
        ],
        "papers": {"p-old": "sig-old"},
    }
    (folder / "rows.json").write_text(json.dumps(manifest), encoding="utf-8")


@pytest.mark.parametrize("with_dead_rows", [False, True])
def test_a_format_2_index_is_migrated_on_load_without_a_rebuild(tmp_path: Path, with_dead_rows: bool) -> None:
    rows = _rows()
    papers = sorted({r[1] for r in rows})
    index = LexicalIndex.build(rows[:-3], revision=4)
    index = index.updated(rows[-3:], {papers[0]} if with_dead_rows else set(), 5, {})
    live = [r for r in rows if not (with_dead_rows and r[1] == papers[0])]
    folder = tmp_path / "bm25"
    _as_format_2(index, folder)
    migrated = LexicalIndex.load(folder)
    assert migrated is not None and migrated.revision == 5 and migrated.papers == {"p-old": "sig-old"}
    assert json.loads((folder / "rows.json").read_text())["format"] == 3  # saved once, in the new format
    _same_scores(migrated, LexicalIndex.build(live, revision=0))
    again = LexicalIndex.load(folder)
    assert again is not None and again.papers == {"p-old": "sig-old"}
    _same_scores(again, LexicalIndex.build(live, revision=0))
    later = again.updated([], {papers[1]}, 6, {papers[1]: ""})
    later.save(folder)
    _same_scores(LexicalIndex.load(folder), LexicalIndex.build([r for r in live if r[1] != papers[1]], revision=0))


_WRITER = """
import sys
from pathlib import Path
from rag.index.lexical import LexicalIndex
folder, name, start = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for n in range(6):
    index = LexicalIndex.load(folder)
    rows = [(f"{name}-{n}-{i}", f"{name}-{n}", "body", f"{name} paper number {n} row {i}") for i in range(3)]
    index.updated(rows, set(), start + 2 * n, {f"{name}-{n}": "s"}).save(folder)
"""


def test_two_processes_saving_at_once_leave_a_readable_newest_index(tmp_path: Path) -> None:
    import subprocess
    import sys

    from tests.conftest import REPO

    folder = tmp_path / "bm25"
    LexicalIndex.build(_rows(), revision=1).save(folder)
    writers = [
        subprocess.Popen([sys.executable, "-c", _WRITER, str(folder), name, str(start)], cwd=REPO)
        for name, start in (("odd", 3), ("even", 2))
    ]
    assert [w.wait(timeout=120) for w in writers] == [0, 0]
    final = LexicalIndex.load(folder)
    assert final is not None and final.revision == 13  # the newest revision's manifest won
    assert all(final.row(f"odd-5-{i}") is not None for i in range(3))  # that write is whole
    assert all((folder / f"{seg.name}.npz").exists() for seg in final.segments)
    for pid in final.papers:  # signatures and rows agree: each signed paper's rows are all there
        assert all(final.row(f"{pid}-{i}") is not None for i in range(3))
    assert set(final.papers) == {str(p) for p in final.paper_ids if str(p).startswith(("odd", "even"))}
