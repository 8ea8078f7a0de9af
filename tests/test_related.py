"""Related work ranks papers (not chunks) and shows the passage pair that matched, for a paper in the
index, a PDF that is not, and an arXiv id that is not."""

from __future__ import annotations

import pytest

from rag.errors import PapersError

from .conftest import shared_path

TINYV = "tinyv-reducing-false-negatives-in-verification-i-cc3de9"
VERIFIER_PAPERS = {
    "general-reasoner-advancing-llm-reasoning-across-ade33b",  # a model-based verifier
    "nover-incentive-training-for-language-models-via-3137b4",  # training without a verifier
}


def test_related_ranks_other_papers_with_passage_pairs(bundled_library):
    results = bundled_library.related("TinyV", k=4)
    ids = [r.paper.id for r in results]
    assert len(ids) == 4 == len(set(ids)) and TINYV not in ids
    assert set(ids[:2]) == VERIFIER_PAPERS  # the two other papers about verifiers come first
    scores = [r.score for r in results]
    assert scores == sorted(scores, reverse=True) and -1.0 <= scores[-1] <= scores[0] <= 1.0
    for r in results:
        assert r.query_passage.paper_id == TINYV and r.matched_passage.paper_id == r.paper.id
        assert r.query_passage.kind in ("abstract", "body") and r.matched_passage.kind in ("abstract", "body")


def test_related_for_a_vision_paper_finds_the_other_vision_paper(bundled_library):
    top = bundled_library.related("Pixel Reasoner", k=1)[0]
    assert top.paper.id == "towards-omnidirectional-reasoning-with-360-r1-a-1b7820"


def test_related_for_an_unknown_paper_is_a_clear_error(bundled_library):
    with pytest.raises(PapersError, match="no paper matching"):
        bundled_library.related("no such title anywhere")


def test_related_for_an_arxiv_id_not_in_the_index_says_how_to_add_it(bundled_library):
    from rag import Library, Settings

    lib = Library(
        Settings(
            index_dir=bundled_library.settings.index_dir,
            arxiv_api_url="http://127.0.0.1:9/api/query",  # nothing listens: the fetch fails at once
            arxiv_delay_seconds=0,
            download_timeout=2,
        )
    )
    with pytest.raises(PapersError, match=r"not in the index; add it with `papers add 2505\.99999`"):
        lib.related("2505.99999")


def test_related_for_a_pdf_not_in_the_index_embeds_it_without_indexing(bundled_library):
    pdf = shared_path("pdfs", "1111.2011v2.pdf")
    pytest.importorskip("ingest.pdf.document", reason="the PDF reader has not landed")
    before = bundled_library.store.count()
    results = bundled_library.related(str(pdf), k=3)
    assert len(results) == 3
    assert all(
        r.query_passage is not None and r.query_passage.paper_id not in {x.paper.id for x in results} for r in results
    )
    assert all(r.matched_passage.paper_id == r.paper.id for r in results)
    assert bundled_library.store.count() == before  # nothing was written


def test_cli_related_prints_papers_and_passages(bundled_library, capsys):
    from ui.cli import main

    assert main(["related", "TinyV", "-k", "2", "--index", str(bundled_library.settings.index_dir)]) == 0
    out = capsys.readouterr().out
    assert out.count("similarity") == 2 and "this:" in out and "match:" in out


def test_related_for_a_pdf_indexed_by_an_earlier_parse_leaves_the_paper_itself_out(make_library, tmp_path):
    """A PDF indexed before the parser changed (its stored content hash differs) is still the same paper: it is
    compared as it reads now, and never listed as related to itself."""
    from tests import chroma_peek
    from tests.pdf_factory import make_sectioned_pdf

    from .conftest import BUNDLED

    library = make_library()
    pdf = tmp_path / "sectioned.pdf"
    make_sectioned_pdf(pdf)
    library.ingest([str(BUNDLED), str(pdf)])
    own = next(p for p in library.papers() if p.source == "pdf")
    catalogue = chroma_peek.catalogue(library)
    meta = catalogue.get(ids=[own.id], include=["metadatas"])["metadatas"][0]
    catalogue.update(ids=[own.id], metadatas=[{**meta, "content_hash": "an-earlier-parse"}])

    results = make_library().related(str(pdf), k=3)
    assert len(results) == 3 and own.id not in {r.paper.id for r in results}
