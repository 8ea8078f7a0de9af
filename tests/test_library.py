"""The slice end to end on a real index: ingest, idempotency, remove, search quality, cited answers."""

from __future__ import annotations

import json

import pytest

from rag import Library
from rag.errors import EmptyIndexError, IndexMissingError, ModelMismatchError
from tests import chroma_peek
from tests.conftest import BUNDLED

# Questions written from the abstracts in our own words (no copied phrases) → expected title prefix.
SEARCH_QUESTIONS = [
    ("training language models with reinforcement learning when no answer checker exists", "NOVER"),
    ("letting a vision-language model crop and magnify parts of an image while it thinks", "Pixel Reasoner"),
    ("turning one score for a whole conversation into rewards for each turn", "Aligning Dialogue Agents"),
    ("using code, truth tables and plain language together to solve logic puzzles", "Learning to Reason via Mixture"),
    ("models that click on screen elements gaming the reward through box size", "GUI-G1"),
    ("self-driving policies that take hints from a large language model", "HCRMP"),
    ("injecting high-level thinking templates from outside into policy optimisation", "Thought-Augmented"),
    ("penalising overly long reasoning chains to save tokens", "Learn to Reason Efficiently"),
    ("explaining predictions about when events happen using graph structure", "Towards Explainable Temporal"),
    ("spotting faked videos of people with a multimodal model", "AvatarShield"),
    ("giving a search agent a reward at every retrieval step of multi-hop questions", "StepSearch"),
    ("reinforcement learning when some domains have far more training data than others", "DISCO"),
    ("a judge model that checks answers in many fields beyond mathematics", "General-Reasoner"),
    ("choosing between thinking step by step and replying directly", "Think Only When You Need"),
    ("correct answers wrongly marked as wrong by the checker during RL", "TinyV"),
    ("which teacher model to distil reasoning traces from", "Not All Correct Answers"),
    ("question answering over 360 degree panoramic images", "Towards Omnidirectional"),
    ("whether safety behaviour lives in its own region of weight space", "Safety Subspaces"),
    ("prompting strategies applied while training with reinforcement rather than at test time", "Prior Prompt"),
]


def test_search_ranks_the_right_paper_first(bundled_library: Library) -> None:
    misses = []
    for question, title in SEARCH_QUESTIONS:
        hits = bundled_library.search(question, k=5)
        if not hits or not hits[0].title.startswith(title):
            misses.append((question, title, hits[0].title if hits else None))
    assert len(SEARCH_QUESTIONS) - len(misses) >= 16, misses  # issue 3 asks for at least 12


def test_search_hits_carry_provenance(bundled_library: Library) -> None:
    hit = bundled_library.search("pixel-space reasoning with zoom-in", k=1)[0]
    assert hit.title.startswith("Pixel Reasoner") and hit.paper_id and hit.authors.startswith("Alex Su")
    assert hit.year == 2025 and hit.section == "Abstract" and hit.end > hit.start
    paper_text = json.loads(BUNDLED.read_text(encoding="utf-8").splitlines()[1])["abstract"]
    assert paper_text[hit.start : hit.end] == hit.text  # the span is exact: the abstract is the text's start


def test_every_citation_points_at_a_listed_source_and_quotes_are_verbatim(bundled_library: Library) -> None:
    questions = [
        "How does NOVER avoid needing an external verifier?",
        "What accuracy does GUI-G1-3B reach on ScreenSpot?",
        "Why do false negatives from verifiers hurt reinforcement learning?",
        "How can a model decide when to think before answering?",
    ]
    for question in questions:
        answer = bundled_library.ask(question)
        assert not answer.refused, question
        numbers = [n for sentence in answer.sentences for n in sentence.citations]
        assert numbers and set(numbers) == {s.n for s in answer.sources}
        assert [s.n for s in answer.sources] == list(range(1, len(answer.sources) + 1))
        first_use = list(dict.fromkeys(numbers))
        assert first_use == sorted(first_use)  # numbered in order of first use
        by_n = {s.n: s for s in answer.sources}
        for sentence in answer.sentences:
            for n in sentence.citations:
                assert sentence.text in by_n[n].hit.text  # verbatim from the cited passage
        for source in answer.sources:
            for a, b in source.quotes:
                assert source.hit.text[a:b] in answer.text
        assert f"[{answer.sources[0].n}]" in answer.text


def test_ask_cites_the_right_paper(bundled_library: Library) -> None:
    answer = bundled_library.ask("What accuracy does GUI-G1-3B reach on ScreenSpot?")
    assert answer.sources[0].hit.title.startswith("GUI-G1")
    assert "90.3%" in answer.text


def test_ask_refuses_when_the_corpus_does_not_answer(bundled_library: Library) -> None:
    for question in ["What is the boiling point of tungsten?", "Who won the 1998 football world cup?"]:
        answer = bundled_library.ask(question)
        assert answer.refused and "don't appear to answer" in answer.text
        assert not answer.sources


def test_ingesting_twice_adds_nothing_and_remove_takes_every_chunk(make_library) -> None:
    library = make_library()
    first = library.ingest([str(BUNDLED)])
    count = library.store.count()
    assert len(first.added) == 19 and count == first.chunks
    second = library.ingest([str(BUNDLED)])
    assert not second.added and len(second.unchanged) == 19 and library.store.count() == count
    ids_before = set(chroma_peek.chunk_ids(library))
    record, removed = library.remove("TinyV")
    assert record.title.startswith("TinyV") and removed > 0
    assert library.store.count() == count - removed
    assert not chroma_peek.chunk_ids(library, paper_id=record.id)
    assert all(not h.title.startswith("TinyV") for h in library.search("false negatives of verifiers", k=8))
    assert all(not h.title.startswith("TinyV") for h in library.search("TinyV verifier", k=8, mode="bm25"))
    third = library.ingest([str(BUNDLED)])  # it comes back with exactly the same chunk ids
    assert [a[0] for a in third.added] == [record.id]
    assert set(chroma_peek.chunk_ids(library)) == ids_before


def test_querying_with_another_model_is_a_clear_error(make_library, bundled_library: Library) -> None:
    other = Library(bundled_library.settings.model_copy(update={"embed_model": "some/other-model"}))
    with pytest.raises(ModelMismatchError, match="all-MiniLM-L6-v2"):
        other.search("anything")


def test_empty_and_missing_indexes_are_clear_errors(make_library) -> None:
    library = make_library()
    with pytest.raises(IndexMissingError, match="papers ingest"):
        library.search("anything")
    library.store.open_for_write(library.settings.embed_model, 384)
    with pytest.raises(EmptyIndexError, match="empty"):
        library.search("anything")


def test_an_index_is_searched_with_the_set_hnsw_breadth_also_when_made_before(make_library) -> None:
    """At Chroma's default breadth (100) a small index, rebuilt at each open, missed close passages in some
    processes and not others; an index made before the setting is searched with it from its next open."""
    library = make_library(hnsw_ef_search=150)
    library.store.open_for_write(library.settings.embed_model, 384)
    assert library.store._chunks.configuration_json["hnsw"]["ef_search"] == 150
    assert library.store._catalogue.configuration_json["hnsw"]["ef_search"] == 150
    later = make_library(hnsw_ef_search=300)
    later.store.open_for_read(later.settings.embed_model)
    assert later.store._chunks.configuration_json["hnsw"]["ef_search"] == 300


def test_a_paper_whose_parse_moved_a_section_is_indexed_again(make_library) -> None:
    """A better parse of the same PDF may change only where sections start (a heading read whole): its chunks
    are cut at sections, so the paper is replaced, not skipped as unchanged."""
    from ingest.models import Paper, Section

    heading = "Simulation of transitions in multistate models. "
    text = heading * 3 + "The rates are drawn from the fitted models. " * 20
    old_cut, new_cut = len(heading), 3 * len(heading)  # each at a sentence's start

    def parsed(heading_at: int) -> Paper:
        sections = [Section("Models", 0, heading_at), Section("Simulation", heading_at, len(text))]
        return Paper(id="pdf:moved", title="Multistate", text=text, source="pdf", sections=sections)

    library = make_library()
    assert [a[0] for a in library.indexer.add_papers([parsed(old_cut)]).added] == ["pdf:moved"]
    assert library.indexer.add_papers([parsed(old_cut)]).unchanged  # the same parse: nothing to do
    again = library.indexer.add_papers([parsed(new_cut)])
    assert [a[0] for a in again.added] == ["pdf:moved"]
    stored = chroma_peek.chunks(library).get(where={"paper_id": "pdf:moved"}, include=["metadatas"])["metadatas"]
    assert {(m["section"], m["start"]) for m in stored} >= {("Models", 0), ("Simulation", new_cut)}
    assert all(m["start"] != old_cut for m in stored)  # no chunk of the old cut is left
    plain = Paper(id="a", title="T", text="An abstract.")  # one untitled section: the text's hash, as before
    one_section = Paper(id="a", title="T", text="An abstract.", sections=[Section("", 0, 12)])
    assert plain.content_hash == one_section.content_hash
