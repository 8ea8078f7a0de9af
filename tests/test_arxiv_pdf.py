"""Full text from arXiv PDFs: cached, resumable downloads and the abstract-only fallback.

PDFs are made here with fpdf2 and served by the replay server; no shared/ material is needed.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest.models import Paper
from ingest.sources.arxiv import ArxivSettings, ArxivSource
from tests.arxiv_replay import Drop, ReplayServer, atom_entry, atom_feed, make_pdf


@pytest.fixture
def replay() -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        yield server


PAGES = [
    "PDF Title That The Feed Overrides\narXiv:2505.16022v1 [cs.CL] 21 May 2025\n\nAbstract\n"
    "Verifier-free reinforcement learning for reasoning.\n\n1 Introduction\nWe train models to reason.",
    "2 Method\nThe reward comes from the perplexity of the reference answer.\n" + "Filler sentence. " * 40,
    "3 Results\nNOVER improves accuracy on general reasoning tasks.\n\nReferences\n[1] A. Author. A paper. 2024.",
]


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    return make_pdf(PAGES)


def _source(server: ReplayServer, tmp_path: Path | None, **kw: object) -> ArxivSource:
    settings = {"delay_seconds": 0.0, "backoff_seconds": 0.01, "num_retries": 2, **kw}
    return ArxivSource(ArxivSettings(api_url=server.api_url, pdf_base=server.pdf_base, cache_dir=tmp_path, **settings))


def _serve_entry(server: ReplayServer) -> None:
    entry = atom_entry("2505.16022", 1, title="NOVER: Incentive Training", authors=("Wei Liu", "Siya Qi"))
    server.add_feed(atom_feed([entry]), id_list="2505.16022", max_results=100)


def _pdf_reader() -> None:
    pytest.importorskip("ingest.sources.pdf", reason="ingest/sources/pdf.py (load_pdf) has not landed yet")


def test_pdf_text_under_feed_metadata(replay: ReplayServer, tmp_path: Path, pdf_bytes: bytes) -> None:
    _pdf_reader()
    _serve_entry(replay)
    replay.add_pdf("2505.16022v1", pdf_bytes)
    paper = _source(replay, tmp_path / "cache").fetch_one("2505.16022")

    assert isinstance(paper, Paper)
    assert paper.extra["abstract_only"] is False and "pdf_error" not in paper.extra
    assert (paper.id, paper.title, paper.authors) == (
        "arxiv:2505.16022",
        "NOVER: Incentive Training",
        ["Wei Liu", "Siya Qi"],
    )
    assert paper.source == "arxiv" and paper.year == 2025
    assert paper.abstract.startswith("We study synthesized feeds.")  # the feed's abstract
    assert "perplexity of the reference answer" in paper.text
    assert "NOVER improves accuracy" in paper.text
    assert paper.pages == 3 and paper.page_starts[0] == 0
    assert paper.page_at(paper.text.index("perplexity")) == 2
    assert paper.extra["pdf_path"] == str(tmp_path / "cache" / "2505.16022v1.pdf")
    assert (tmp_path / "cache" / "2505.16022v1.pdf").read_bytes() == pdf_bytes
    assert [r.path for r in replay.pdf_requests] == ["/pdf/2505.16022v1"]


def test_cached_pdf_is_not_downloaded_again(replay: ReplayServer, tmp_path: Path, pdf_bytes: bytes) -> None:
    replay.add_pdf("2505.16022v1", pdf_bytes)
    source = _source(replay, tmp_path)
    first = source.download_pdf("2505.16022", 1)
    second = source.download_pdf("2505.16022", 1)
    assert first == second == tmp_path / "2505.16022v1.pdf"
    assert len(replay.pdf_requests) == 1


def test_resumes_an_existing_part_file_with_range(replay: ReplayServer, tmp_path: Path, pdf_bytes: bytes) -> None:
    replay.add_pdf("2505.16022v1", pdf_bytes)
    half = len(pdf_bytes) // 2
    (tmp_path / "2505.16022v1.pdf.part").write_bytes(pdf_bytes[:half])

    path = _source(replay, tmp_path).download_pdf("2505.16022", 1)

    assert path.read_bytes() == pdf_bytes
    assert not (tmp_path / "2505.16022v1.pdf.part").exists()
    (req,) = replay.pdf_requests
    assert req.headers.get("Range") == f"bytes={half}-"


def test_dropped_download_is_continued_with_range(replay: ReplayServer, tmp_path: Path, pdf_bytes: bytes) -> None:
    replay.add_pdf("2505.16022v1", pdf_bytes)
    replay.fail_next("2505.16022v1", Drop(after=700))

    path = _source(replay, tmp_path).download_pdf("2505.16022", 1)

    assert path.read_bytes() == pdf_bytes
    first, second = replay.pdf_requests
    assert "Range" not in first.headers
    assert second.headers.get("Range") == "bytes=700-"


def test_server_ignoring_range_restarts_cleanly(replay: ReplayServer, tmp_path: Path, pdf_bytes: bytes) -> None:
    # A stale .part longer than the file: the server answers 416, the .part is not a PDF start -> refetch.
    replay.add_pdf("2505.16022v1", pdf_bytes)
    (tmp_path / "2505.16022v1.pdf.part").write_bytes(b"garbage" * (len(pdf_bytes) // 4))
    source = _source(replay, tmp_path)
    from ingest.models import SourceError

    with pytest.raises(SourceError, match="not a PDF"):
        source.download_pdf("2505.16022", 1)
    assert not (tmp_path / "2505.16022v1.pdf.part").exists()  # dropped, so the next try starts clean
    assert source.download_pdf("2505.16022", 1).read_bytes() == pdf_bytes


@pytest.mark.parametrize(
    ("setup", "reason"),
    [
        (lambda s, pdf: None, "HTTP 404 Not Found"),  # no PDF served
        (
            lambda s, pdf: (s.add_pdf("2505.16022v1", pdf), s.fail_next("2505.16022v1", 500, 500, 500)),
            "PDF download failed after 3 tries: HTTP 500",
        ),
        (
            lambda s, pdf: s.add_pdf("2505.16022v1", b"<html>Please verify you are human</html>"),
            "not a PDF (the server sent something else)",
        ),
    ],
    ids=["404", "500", "html"],
)
def test_pdf_failure_falls_back_to_abstract(
    replay: ReplayServer, tmp_path: Path, pdf_bytes: bytes, setup: object, reason: str
) -> None:
    _serve_entry(replay)
    setup(replay, pdf_bytes)  # type: ignore[operator]
    paper = _source(replay, tmp_path).fetch_one("2505.16022")

    assert isinstance(paper, Paper) and paper.id == "arxiv:2505.16022"
    assert paper.extra["abstract_only"] is True
    assert reason in paper.extra["pdf_error"]
    assert paper.text == "NOVER: Incentive Training\n\nWe study synthesized feeds. They are small."
    assert [s.kind for s in paper.sections] == ["abstract"]
    assert paper.page_starts == []


def test_unparseable_pdf_falls_back_to_abstract(replay: ReplayServer, tmp_path: Path) -> None:
    _pdf_reader()
    _serve_entry(replay)
    replay.add_pdf("2505.16022v1", b"%PDF-1.7\n" + b"\x00not really a pdf\n" * 50)
    paper = _source(replay, None).fetch_one("2505.16022")  # no cache_dir: a temporary folder is used
    assert paper.extra["abstract_only"] is True
    assert paper.extra["pdf_error"]
    assert "\n" not in paper.extra["pdf_error"]
    assert "pdf_path" not in paper.extra


def test_abstract_only_never_asks_for_the_pdf(replay: ReplayServer, tmp_path: Path, pdf_bytes: bytes) -> None:
    _serve_entry(replay)
    replay.add_pdf("2505.16022v1", pdf_bytes)
    paper = _source(replay, tmp_path).fetch_one("2505.16022", abstract_only=True)
    assert paper.extra["abstract_only"] is True and "pdf_error" not in paper.extra
    assert replay.pdf_requests == []
    assert list(tmp_path.iterdir()) == []


def test_pdf_downloads_are_paced(replay: ReplayServer, tmp_path: Path, pdf_bytes: bytes) -> None:
    replay.add_pdf("2505.16022v1", pdf_bytes)
    replay.add_pdf("2505.16022v2", pdf_bytes)
    source = _source(replay, tmp_path, delay_seconds=0.2)
    source.download_pdf("2505.16022", 1)
    source.download_pdf("2505.16022", 2)
    first, second = replay.pdf_requests
    assert second.at - first.at >= 0.19
