"""The real `arxiv` client against synthesized feeds for cases arXiv's recordings do not cover.

Needs nothing from shared/: the feeds are built here in arXiv's current Atom shape.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from ingest.models import Paper, SourceError
from ingest.sources.arxiv import ArxivSettings, ArxivSource, category_query
from tests.arxiv_replay import Drop, ReplayServer, atom_entry, atom_feed, error_entry


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        yield server


CAT_QUERY = "cat:cs.CL AND submittedDate:[202505200000 TO 202505262359]"


def _source(server: ReplayServer, **kw: object) -> ArxivSource:
    settings = {"delay_seconds": 0.0, "backoff_seconds": 0.01, "num_retries": 2, **kw}
    return ArxivSource(ArxivSettings(api_url=server.api_url, pdf_base=server.pdf_base, **settings))


def _ids_feed(server: ReplayServer, id_list: str, entries: list[str], max_results: int = 100) -> None:
    server.add_feed(atom_feed(entries), id_list=id_list, max_results=max_results)


def test_category_query_text() -> None:
    assert category_query("cs.CL", date(2025, 5, 20), date(2025, 5, 26)) == CAT_QUERY
    with pytest.raises(SourceError, match="not an arXiv category"):
        category_query("cs CL; drop", date(2025, 5, 20), date(2025, 5, 26))
    with pytest.raises(SourceError, match="ends before it starts"):
        category_query("cs.CL", date(2025, 5, 26), date(2025, 5, 20))


def test_category_listing_pages_with_delay_and_progress(replay: ReplayServer) -> None:
    ids = [f"2505.1{n:04d}" for n in range(5)]
    common = {
        "search_query": CAT_QUERY,
        "sortBy": "submittedDate",
        "sortOrder": "ascending",
        "max_results": 3,
    }
    replay.add_feed(atom_feed([atom_entry(i) for i in ids[:3]], total=5, start=0, per_page=3), start=0, **common)
    replay.add_feed(atom_feed([atom_entry(i) for i in ids[3:]], total=5, start=3, per_page=3), start=3, **common)
    seen: list[tuple[int, int | None]] = []
    source = _source(replay, page_size=3, delay_seconds=0.2)

    got = list(
        source.list_category(
            "cs.CL",
            date(2025, 5, 20),
            date(2025, 5, 26),
            abstract_only=True,
            progress=lambda d, t: seen.append((d, t)),
        )
    )
    assert [p.id for p in got] == [f"arxiv:{i}" for i in ids]
    reqs = replay.api_requests
    assert len(reqs) == 2
    assert [r.params["start"] for r in reqs] == ["0", "3"]
    assert reqs[1].at - reqs[0].at >= 0.19  # delay_seconds honoured between pages
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]


def test_error_entry_in_a_200_feed(replay: ReplayServer) -> None:
    _ids_feed(replay, "2505.16022", [error_entry("incorrect id format for 2505.16022")])
    (err,) = _source(replay).fetch(["2505.16022"], abstract_only=True)
    assert isinstance(err, SourceError)
    assert str(err) == "2505.16022: arXiv API rejected the request: incorrect id format for 2505.16022"
    assert len(replay.api_requests) == 1


def test_error_entry_in_search(replay: ReplayServer) -> None:
    replay.add_feed(atom_feed([error_entry("malformed query")]), search_query="ti:(", max_results=100)
    (err,) = _source(replay).search("ti:(", abstract_only=True)
    assert str(err) == "ti:(: arXiv API rejected the request: malformed query"


def test_entry_without_id_is_not_found(replay: ReplayServer) -> None:
    _ids_feed(replay, "2505.16022", [atom_entry("2505.16022", with_id=False)])
    (err,) = _source(replay).fetch(["2505.16022"], abstract_only=True)
    assert str(err) == "2505.16022: arXiv has no paper 2505.16022"


def test_unparseable_entry_in_a_batch_costs_no_extra_request(replay: ReplayServer) -> None:
    # The feed counts two entries but one has no id: no second page may be asked for (and retried).
    entries = [atom_entry("2505.16022"), atom_entry("2505.14625", with_id=False)]
    _ids_feed(replay, "2505.16022,2505.14625", entries)
    got = list(_source(replay).fetch(["2505.16022", "2505.14625"], abstract_only=True))
    assert isinstance(got[0], Paper)
    assert str(got[1]) == "2505.14625: arXiv has no paper 2505.14625"
    assert len(replay.api_requests) == 1


def test_empty_search_results_name_the_query(replay: ReplayServer) -> None:
    replay.add_feed(atom_feed([], total=0), search_query="ti:nothingmatches", max_results=100)
    source = _source(replay)
    (err,) = source.search("ti:nothingmatches")
    assert str(err) == "ti:nothingmatches: arXiv search returned no results"
    (empty,) = source.search("   ")
    assert isinstance(empty, SourceError) and "empty search query" in str(empty)


def test_http_500_retries_with_backoff_then_gives_up(replay: ReplayServer) -> None:
    _ids_feed(replay, "2505.16022", [atom_entry("2505.16022")])
    replay.fail_next("api", 500, 500, 500)
    source = _source(replay, num_retries=2, backoff_seconds=0.1)
    (err,) = source.fetch(["2505.16022"], abstract_only=True)
    assert str(err) == "2505.16022: arXiv API answered HTTP 500 after 3 tries"
    times = [r.at for r in replay.api_requests]
    assert len(times) == 3
    assert times[1] - times[0] >= 0.09 and times[2] - times[1] >= 0.19  # 0.1 s, then 0.2 s


def test_http_500_once_then_success(replay: ReplayServer) -> None:
    _ids_feed(replay, "2505.16022", [atom_entry("2505.16022")])
    replay.fail_next("api", 503)
    (paper,) = _source(replay).fetch(["2505.16022"], abstract_only=True)
    assert isinstance(paper, Paper) and paper.id == "arxiv:2505.16022"
    assert len(replay.api_requests) == 2


def test_dropped_connection_is_retried(replay: ReplayServer) -> None:
    _ids_feed(replay, "2505.16022", [atom_entry("2505.16022")])
    replay.fail_next("api", Drop(after=50))
    (paper,) = _source(replay).fetch(["2505.16022"], abstract_only=True)
    assert isinstance(paper, Paper)
    assert len(replay.api_requests) == 2


def test_unreachable_api_is_one_line(replay: ReplayServer) -> None:
    url = replay.api_url
    replay.close()  # nothing listens there any more
    source = ArxivSource(ArxivSettings(api_url=url, delay_seconds=0, num_retries=1, backoff_seconds=0.01, timeout=2))
    (err,) = source.fetch(["2505.16022"], abstract_only=True)
    assert isinstance(err, SourceError)
    assert str(err).startswith("2505.16022: ")
    assert "\n" not in str(err)


def test_versions_share_one_paper_id(replay: ReplayServer) -> None:
    v1 = atom_entry("2505.15966", 1, title="Pixel Reasoner", published="2025-05-21T17:59:46Z")
    v2 = atom_entry(
        "2505.15966",
        2,
        title="Pixel Reasoner (revised)",
        published="2025-05-21T17:59:46Z",
        updated="2025-06-02T10:00:00Z",
        doi="10.1234/pr.2025",
        journal_ref="NeurIPS 2025",
    )
    _ids_feed(replay, "2505.15966v1", [v1])
    _ids_feed(replay, "2505.15966", [v2])  # a bare id gets the latest version
    source = _source(replay)
    first = source.fetch_one("arXiv:2505.15966v1", abstract_only=True)
    latest = source.fetch_one("https://arxiv.org/abs/2505.15966", abstract_only=True)

    assert first.id == latest.id == "arxiv:2505.15966"
    assert (first.extra["version"], latest.extra["version"]) == (1, 2)
    assert first.extra["abs_url"].endswith("v1") and latest.extra["abs_url"].endswith("v2")
    assert latest.extra["updated"].startswith("2025-06-02") and first.extra["updated"].startswith("2025-05-21")
    assert latest.extra["doi"] == "10.1234/pr.2025" and latest.extra["journal_ref"] == "NeurIPS 2025"
    assert first.title == "Pixel Reasoner" and latest.title == "Pixel Reasoner (revised)"
    assert first.content_hash != latest.content_hash


def test_batch_continues_past_bad_ids_and_keeps_order(replay: ReplayServer) -> None:
    _ids_feed(replay, "2505.16022,2505.14625", [atom_entry("2505.14625"), atom_entry("2505.16022")])
    seen: list[tuple[int, int | None]] = []
    got = list(
        _source(replay).fetch(
            ["abc", "2505.16022", "2505.99999x", "arxiv:2505.14625"],
            abstract_only=True,
            progress=lambda d, t: seen.append((d, t)),
        )
    )
    assert [type(g).__name__ for g in got] == ["SourceError", "Paper", "SourceError", "Paper"]
    assert got[1].id == "arxiv:2505.16022" and got[3].id == "arxiv:2505.14625"
    assert seen == [(1, 4), (2, 4), (3, 4), (4, 4)]
    assert len(replay.api_requests) == 1


def test_ids_beyond_one_page_go_in_batches(replay: ReplayServer) -> None:
    ids = [f"2505.1{n:04d}" for n in range(5)]
    _ids_feed(replay, ",".join(ids[:3]), [atom_entry(i) for i in ids[:3]], max_results=3)
    _ids_feed(replay, ",".join(ids[3:]), [atom_entry(i) for i in ids[3:]], max_results=3)
    got = list(_source(replay, page_size=3).fetch(ids, abstract_only=True))
    assert [p.id for p in got] == [f"arxiv:{i}" for i in ids]
    assert len(replay.api_requests) == 2
