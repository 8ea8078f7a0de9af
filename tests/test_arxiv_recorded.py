"""The real `arxiv` client against real recorded arXiv responses, replayed on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator

import arxiv
import pytest

from ingest.models import Paper, SourceError
from ingest.sources.arxiv import ArxivSettings, ArxivSource
from tests.arxiv_replay import ReplayServer, require_recordings


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    require_recordings()  # skips every test here when shared/arxiv_api is absent
    with ReplayServer() as server:
        yield server


ONE = "id_1605.08386_s0_m100_199195aa31ad.json"
TWO = "id_0808.05394_1707.08567_s0_m100_42e5aa0ec3af.json"
UNKNOWN = "id_0000.0000_s0_m100_8b51d9633a68.json"
INVALID = "id_abc_s0_m100_b79c8dcf6bc3.json"
OLD = "id_astro-ph_0601001_s0_m100_3150dca9dc76.json"


def _source(server: ReplayServer, **kw: object) -> ArxivSource:
    settings = {"delay_seconds": 0.0, "backoff_seconds": 0.01, "num_retries": 1, **kw}
    return ArxivSource(ArxivSettings(api_url=server.api_url, pdf_base=server.pdf_base, **settings))


@pytest.mark.parametrize(
    ("text", "id_list"),
    [
        ("1605.08386", "1605.08386"),
        ("arxiv:1605.08386", "1605.08386"),
        ("arXiv:1605.08386v1", "1605.08386v1"),
        ("https://arxiv.org/abs/1605.08386", "1605.08386"),
        ("https://arxiv.org/pdf/1605.08386v1.pdf", "1605.08386v1"),
    ],
)
def test_each_id_form_fetches_the_recorded_paper(replay: ReplayServer, text: str, id_list: str) -> None:
    replay.add_recorded(ONE)
    replay.add_recorded(ONE, id_list="1605.08386v1")  # the same v1 entry, asked for by version
    paper = _source(replay).fetch_one(text, abstract_only=True)

    assert [r.params["id_list"] for r in replay.api_requests] == [id_list]
    assert paper.id == "arxiv:1605.08386"
    assert paper.source == "arxiv"
    assert paper.title == "Heat-bath random walks with Markov bases"
    assert paper.authors == ["Caprice Stanley", "Tobias Windisch"]
    assert paper.year == 2016
    assert paper.url == "https://arxiv.org/abs/1605.08386"
    assert paper.abstract.startswith("Graphs on lattice points are studied")
    assert paper.text == paper.title + "\n\n" + paper.abstract
    assert [(s.kind, s.start, s.end) for s in paper.sections] == [("abstract", 0, len(paper.text))]
    extra = paper.extra
    assert extra["arxiv_id"] == "1605.08386" and extra["version"] == 1
    assert extra["published"].startswith("2016-05-26T17:59:46")
    assert extra["updated"].startswith("2016-05-26")
    assert extra["primary_category"] == "math.CO"
    assert extra["categories"] == ["math.CO", "math.ST"]
    assert extra["comment"] == "20 pages, 3 figures"
    assert extra["doi"] is None and extra["journal_ref"] is None
    assert extra["abs_url"] == "https://arxiv.org/abs/1605.08386v1"
    assert extra["pdf_url"] == "https://arxiv.org/pdf/1605.08386v1"
    assert extra["abstract_only"] is True
    assert not replay.pdf_requests  # abstract_only never asks for the PDF


def test_old_style_id(replay: ReplayServer) -> None:
    replay.add_recorded(OLD)
    paper = _source(replay).fetch_one("astro-ph/0601001", abstract_only=True)
    assert paper.id == "arxiv:astro-ph/0601001"
    assert paper.authors == ["Andrew Gould", "Susan Dorsher", "B. Scott Gaudi", "Andrzej Udalski"]
    assert paper.extra["journal_ref"] == "ActaAstron.56:1-50,2006"
    assert paper.extra["primary_category"] == "astro-ph"
    assert paper.year == 2006


def test_two_ids_in_one_request_report_the_missing_one(replay: ReplayServer) -> None:
    replay.add_recorded(TWO)
    got = list(_source(replay).fetch(["0808.05394", "1707.08567"], abstract_only=True))
    assert len(replay.api_requests) == 1
    assert isinstance(got[0], SourceError)
    assert str(got[0]) == "0808.05394: arXiv has no paper 0808.05394"
    assert isinstance(got[1], Paper) and got[1].id == "arxiv:1707.08567"


def test_unknown_id_empty_feed(replay: ReplayServer) -> None:
    # "0000.0000" itself is refused before any request (month 00); the recorded empty feed is what
    # arXiv answers for any id it does not have, so serve it for a well-formed one.
    replay.add_recorded(UNKNOWN, id_list="2501.99999")
    source = _source(replay)
    bad, missing = source.fetch(["0000.0000", "2501.99999"], abstract_only=True)
    assert isinstance(bad, SourceError) and "not an arXiv id" in str(bad)
    assert isinstance(missing, SourceError)
    assert str(missing) == "2501.99999: arXiv has no paper 2501.99999"
    assert [r.params["id_list"] for r in replay.api_requests] == ["2501.99999"]


def test_unknown_id_through_raw_query(replay: ReplayServer) -> None:
    replay.add_recorded(UNKNOWN)
    (err,) = _source(replay).query(arxiv.Search(id_list=["0000.0000"]), abstract_only=True)
    assert str(err) == "0000.0000: arXiv search returned no results"


def test_invalid_id_http_400_is_reported_without_retrying(replay: ReplayServer) -> None:
    replay.add_recorded(INVALID)
    source = _source(replay, num_retries=3)
    (err,) = source.query(arxiv.Search(id_list=["abc"]))
    assert isinstance(err, SourceError)
    assert str(err) == "abc: arXiv API rejected the request: incorrect id format for abc (HTTP 400)"
    assert len(replay.api_requests) == 1  # a 400 cannot change on retry
    # fetch() refuses it locally and asks nothing
    (local,) = source.fetch(["abc"])
    assert isinstance(local, SourceError) and str(local).startswith("abc: not an arXiv id")
    assert len(replay.api_requests) == 1


def test_bad_id_in_a_batch_does_not_lose_the_others(replay: ReplayServer) -> None:
    # arXiv fails a whole id_list for one id it rejects; the batch is then asked id by id.
    replay.add_recorded(INVALID, id_list="1605.08386,2501.00001")
    replay.add_recorded(INVALID, id_list="2501.00001")
    replay.add_recorded(ONE)
    got = list(_source(replay).fetch(["1605.08386", "2501.00001"], abstract_only=True))
    assert isinstance(got[0], Paper) and got[0].id == "arxiv:1605.08386"
    assert isinstance(got[1], SourceError) and "incorrect id format" in got[1].reason
    assert str(got[1]).startswith("2501.00001: ")
    assert [r.params["id_list"] for r in replay.api_requests] == [
        "1605.08386,2501.00001",
        "1605.08386",
        "2501.00001",
    ]


def test_paged_search_honours_delay(replay: ReplayServer) -> None:
    replay.add_recorded("q_testing_s0_m10_bc5a6c384fe9.json")
    replay.add_recorded("q_testing_s10_m10_34e56e15aaac.json")
    seen: list[tuple[int, int | None]] = []
    source = _source(replay, page_size=10, delay_seconds=0.2)
    papers = list(
        source.search("testing", max_results=20, abstract_only=True, progress=lambda d, t: seen.append((d, t)))
    )

    assert len(papers) == 20 and all(isinstance(p, Paper) for p in papers)
    assert len({p.id for p in papers}) == 20
    assert papers[0].id == "arxiv:2202.12139" and papers[10].id == "arxiv:2403.16981"
    reqs = replay.api_requests
    assert [(r.params["start"], r.params["max_results"]) for r in reqs] == [("0", "10"), ("10", "10")]
    assert reqs[1].at - reqs[0].at >= 0.19
    assert seen[0] == (1, 20) and seen[-1] == (20, 20) and len(seen) == 20
    assert source.api_requests == 2


def test_search_page_of_100(replay: ReplayServer) -> None:
    replay.add_recorded("q_testing_s0_m100_cfe7536492ca.json")
    papers = list(_source(replay).search("testing", max_results=100, abstract_only=True))
    assert len(papers) == 100 and all(isinstance(p, Paper) for p in papers)
    assert len(replay.api_requests) == 1
    assert all(p.extra["categories"] and p.authors and p.year for p in papers)
