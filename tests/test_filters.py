"""Metadata filters (paper, author, year range, category, source) act inside each retriever.

Every query below matches one paper best; each filter excludes that paper, and with k=1 the single
hit must still come from a paper the filter allows (a filter applied after truncation returns nothing).
"""

from __future__ import annotations

import json

import pytest

from rag import Filters

PAPERS = [
    dict(
        id="fold",
        title="Protein folding with attention",
        authors=["Ada Lovelace"],
        year=2019,
        categories=["q-bio.BM"],
        abstract="We predict protein folding structures from sequences using attention "
        "networks trained on crystallography data; folding accuracy improves over baselines.",
    ),
    dict(
        id="graph",
        title="Graph neural networks for molecules",
        authors=["Alan Turing"],
        year=2021,
        categories=["cs.LG"],
        abstract="Message passing graph networks predict molecular properties; we also "
        "discuss protein binding sites and folding energy as auxiliary targets.",
    ),
    dict(
        id="speech",
        title="Speech recognition in noisy rooms",
        authors=["Grace Hopper"],
        year=2023,
        categories=["eess.AS"],
        abstract="Robust acoustic models transcribe speech under reverberation and noise; "
        "we mention protein folding only as an unrelated example of sequence modelling.",
    ),
]
BIB = """@article{bib1,
  title = {Folding proteins by energy minimisation},
  author = {Linus Pauling},
  year = {2010},
  abstract = {Classical energy minimisation explains protein folding pathways and folding kinetics.}
}
"""
MODES = ["dense", "bm25", "hybrid"]
QUERY = "protein folding structure prediction with attention"


@pytest.fixture(scope="module")
def library(tmp_path_factory, bundled_library):
    from rag import Library, Settings

    folder = tmp_path_factory.mktemp("filters")
    (folder / "papers.jsonl").write_text("\n".join(json.dumps(p) for p in PAPERS) + "\n", encoding="utf-8")
    (folder / "more.bib").write_text(BIB, encoding="utf-8")
    lib = Library(Settings(index_dir=folder / "index"), embedder=bundled_library.embedder)
    report = lib.ingest([str(folder / "papers.jsonl"), str(folder / "more.bib")])
    assert len(report.added) == 4, report
    return lib


@pytest.mark.parametrize("mode", MODES)
def test_unfiltered_top_hit_is_the_attention_paper(library, mode):
    assert library.search(QUERY, k=1, mode=mode)[0].paper_id == "fold"


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("filters", "allowed"),
    [
        (Filters(papers=["speech"]), {"speech"}),
        (Filters(authors=["turing"]), {"graph"}),
        (Filters(year_min=2020), {"graph", "speech"}),
        (Filters(year_max=2015), {"bib1"}),
        (Filters(year_min=2020, year_max=2022), {"graph"}),
        (Filters(categories=["eess.AS"]), {"speech"}),
        (Filters(sources=["bibtex"]), {"bib1"}),
    ],
    ids=["paper", "author", "year-min", "year-max", "year-range", "category", "source"],
)
def test_filter_applies_before_truncation(library, mode, filters, allowed):
    hits = library.search(QUERY, k=1, mode=mode, filters=filters)
    assert len(hits) == 1, f"{mode}: the filter emptied a truncated list"
    assert hits[0].paper_id in allowed
    many = library.search(QUERY, k=20, mode=mode, filters=filters)
    assert {h.paper_id for h in many} <= allowed


@pytest.mark.parametrize("mode", MODES)
def test_filter_matching_nothing_returns_nothing(library, mode):
    assert library.search(QUERY, k=5, mode=mode, filters=Filters(authors=["nobody at all"])) == []
