"""`papers digest` end to end: a replayed arXiv day (feed + small real PDFs) into a real index, then the page."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest

from ingest.sources.arxiv import category_query
from tests.arxiv_replay import ReplayServer, atom_entry, atom_feed, make_pdf
from ui.cli import main

DAY = "2025-05-26"
FILLER = "The training data are described in detail in the appendix of this paper. "

# Paper A: three pages; contribution in the abstract (p. 1), results in §4 (p. 3), a section that runs from
# p. 2 onto p. 3, and a References entry full of cue words that must never be quoted.
A_PAGES = [
    "Gains Without Verifiers\nAda Lovelace\nAbstract\n"
    "Reasoning models are usually trained with rewards from external verifiers. "
    "We propose GAINS, a verifier-free reinforcement learning method for training small reasoners. "
    "GAINS outperforms the strongest distilled baseline by 7.7% on five reasoning benchmarks.\n"
    "1 Introduction\n"
    "Language models can be trained to reason with reinforcement learning on final answers. "
    "Verifiers exist for mathematics and code but are missing for most other domains. " + FILLER,
    "2 Related Work\n"
    "Smith et al. propose reward models that outperform rule-based verifiers [3]. "
    "Earlier systems relied on human preference data collected at great cost [4, 5].\n"
    "3 Method\n"
    "The policy samples several answers for each question in the batch. "
    "The reward of an answer is the likelihood of the reference answer under the policy. " + FILLER,
    "We show that the curriculum reduces the training cost by 30% without hurting accuracy.\n"
    "4 Results\n"
    "On GSM8K, GAINS achieves 71.3% accuracy, a new state-of-the-art result for 7B models. "
    "Averaged over all tasks, GAINS improves exact match by 4.2 points over supervised fine-tuning. "
    "The gains hold for both model sizes that we tried in this study.\n"
    "References\n"
    "[1] A. Smith. We propose a state-of-the-art method that outperforms everything by 99%. In Proc. 2020.",
]
A_RESULT = "On GSM8K, GAINS achieves 71.3% accuracy, a new state-of-the-art result for 7B models."
A_HEADINGS = ["Abstract", "1 Introduction", "2 Related Work", "3 Method", "4 Results", "References"]

B_HEADINGS = ["Abstract", "1 Introduction", "2 Experiments"]
B_PAGES = [
    "Sparse Routers\nAlan Turing\nAbstract\n"
    "Mixture-of-experts models route each token to a few experts. "
    "We introduce a sparse router that learns expert capacity from the data itself. "
    "It reduces inference latency by 35% while matching dense accuracy.\n"
    "1 Introduction\nRouting decides which expert processes each token of the input. " + FILLER,
    "2 Experiments\n"
    "Our router achieves 88.1% top-1 accuracy on ImageNet with half of the compute budget. "
    "Load stays balanced across the experts during the whole training run. " + FILLER,
]

HOSTILE = "<script>alert('x')</script> & Robust Parsing"
HOSTILE_ABSTRACT = (
    "Parsers break on hostile input. We present a robust parser that never executes markup. "
    "It outperforms three baselines by 12% on adversarial documents."
)


@pytest.fixture
def replay(monkeypatch, tmp_path, bundled_library) -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        monkeypatch.setenv("PAPERS_ARXIV_API_URL", server.api_url)
        monkeypatch.setenv("PAPERS_ARXIV_PDF_BASE", server.pdf_base)
        monkeypatch.setenv("PAPERS_ARXIV_DELAY_SECONDS", "0")
        monkeypatch.setenv("PAPERS_ARXIV_RETRIES", "1")
        monkeypatch.setenv("PAPERS_INDEX_DIR", str(tmp_path / "index"))
        _share_model(monkeypatch, bundled_library)
        yield server


def _share_model(monkeypatch, bundled_library) -> None:
    """The CLI builds its own Library; let it use the model this session already loaded."""
    embedder = bundled_library.embedder
    monkeypatch.setattr("rag.engine.shared_embedder", lambda settings: embedder)


def _serve_day(server: ReplayServer, day: str, entries: list[str]) -> None:
    from datetime import date

    d = date.fromisoformat(day)
    server.add_feed(
        atom_feed(entries),
        search_query=category_query("cs.CL", d, d),
        sortBy="submittedDate",
        sortOrder="ascending",
        max_results=100,
    )


def _flat(text: str) -> str:
    return " ".join(text.split())


def _heading_before(sentence: str, pages: list[str], headings: list[str]) -> str:
    """The section a sentence of the source really is in: the last heading line before it."""
    lines = "\n".join(pages).split("\n")
    at = next(i for i, line in enumerate(lines) if sentence in _flat(line))
    return next(line for line in reversed(lines[:at]) if line in headings)


_TAKEAWAY = re.compile(r"^\d+\. “(?P<text>.+)” — (?P<where>.+)$")
_WHERE = re.compile(r"^(?:§(?P<section>.+?)|(?P<abstract>Abstract))(?:, pp?\. (?P<p1>\d+)(?:-(?P<p2>\d+))?)?$")


def _sections(markdown: str) -> dict[str, str]:
    """Markdown section of each paper, keyed by its heading title."""
    parts = re.split(r"^## \d+\. ", markdown, flags=re.MULTILINE)[1:]
    return {part.split("\n", 1)[0]: part for part in parts}


def _takeaways(section: str) -> list[tuple[str, re.Match[str]]]:
    out = []
    for line in section.splitlines():
        if m := _TAKEAWAY.match(line):
            where = _WHERE.match(m["where"])
            assert where, f"unparsable citation {m['where']!r}"
            out.append((m["text"].replace("\\", ""), where))
    return out


def test_digest_of_a_replayed_day(replay, tmp_path, capsys) -> None:
    replay.add_pdf("2505.20001v1", make_pdf(A_PAGES))
    replay.add_pdf("2505.20002v1", make_pdf(B_PAGES))  # 2505.20003 has no PDF: 404 → abstract only
    _serve_day(
        replay,
        DAY,
        [
            atom_entry(
                "2505.20001",
                title="Gains Without Verifiers",
                summary=" ".join(A_PAGES[0].split("\n")[3:4]),
                published=f"{DAY}T09:00:00Z",
                comment="3 pages",
            ),
            atom_entry(
                "2505.20002",
                title="Sparse Routers",
                summary=B_PAGES[0].split("\n")[3],
                published=f"{DAY}T10:00:00Z",
                authors=("Alan Turing",),
            ),
            atom_entry("2505.20003", title=HOSTILE, summary=HOSTILE_ABSTRACT, published=f"{DAY}T11:00:00Z"),
        ],
    )
    out = tmp_path / "out" / "digest.md"
    code = main(["digest", "--category", "cs.CL", "--date", DAY, "-o", str(out)])
    captured = capsys.readouterr()
    printed = captured.out
    assert code == 0, captured.err
    assert "3 papers, " in printed
    markdown = out.read_text()
    page = out.with_suffix(".html").read_text()

    # header and table of contents
    assert markdown.startswith(f"# Paper digest — cs.CL, {DAY}\n")
    assert f"3 papers · submitted {DAY}" in markdown
    toc = re.findall(r"^\d+\. \[(.+)\]\(#paper-(\d)\)$", markdown, flags=re.MULTILINE)
    assert [t for t, _ in toc][:2] == ["Gains Without Verifiers", "Sparse Routers"]  # submission order

    sections = _sections(markdown)
    assert len(sections) == 3
    a, b = sections["Gains Without Verifiers"], sections["Sparse Routers"]
    hostile = next(s for title, s in sections.items() if "script" in title)

    # links exactly as the feed gave them, and page counts from the PDFs
    assert "[abs](https://arxiv.org/abs/2505.20001v1) · [PDF](https://arxiv.org/pdf/2505.20001v1) · 3 pages" in a
    assert "[abs](https://arxiv.org/abs/2505.20002v1) · [PDF](https://arxiv.org/pdf/2505.20002v1) · 2 pages" in b
    assert "**Authors:** Ada Lovelace, Alan Turing" in a and "**Authors:** Alan Turing\n" in b

    # takeaways: 3-6, verbatim sentences of the page they cite, in the section they cite, never References
    for source_pages, section, headings in [(A_PAGES, a, A_HEADINGS), (B_PAGES, b, B_HEADINGS)]:
        got = _takeaways(section)
        assert 3 <= len(got) <= 6, section
        for text, where in got:
            pages_holding = [n for n, p in enumerate(source_pages, 1) if text in _flat(p)]
            assert pages_holding, f"not verbatim: {text!r}"
            first, last = int(where["p1"]), int(where["p2"] or where["p1"])
            assert first <= pages_holding[0] <= last, (text, where.group(0))
            cited = "Abstract" if where["abstract"] else where["section"]
            assert cited == _heading_before(text, source_pages, headings) != "References", (text, where.group(0))
            assert "et al." not in text  # others' work (Related Work) is not this paper's takeaway
    a_quotes = {text: where.group(0) for text, where in _takeaways(a)}
    assert a_quotes[A_RESULT] == "§4 Results, p. 3"
    assert (
        a_quotes["We propose GAINS, a verifier-free reinforcement learning method for training small reasoners."]
        == "Abstract, p. 1"
    )
    b_quotes = {text for text, _ in _takeaways(b)}
    assert "Our router achieves 88.1% top-1 accuracy on ImageNet with half of the compute budget." in b_quotes

    # the paper without a PDF: abstract takeaways, a note saying why, and its title escaped everywhere
    assert "PDF not read" in hostile and "HTTP 404" in hostile
    assert "It outperforms three baselines by 12% on adversarial documents." in {t for t, _ in _takeaways(hostile)}
    assert "<script>" not in markdown and "\\<script\\>" in markdown
    assert "<script" not in page.lower() and "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp;" in page
    assert "http" not in re.sub(r'href="https://arxiv\.org/(?:abs|pdf)/2505\.2000[123]v1"', "", page)  # offline
    assert page.count("<article") == 3 and page.count('<ol class="takeaways">') == 3
    parser = _Collect()
    parser.feed(page)
    assert parser.anchors[:3] == ["#paper-1", "#paper-2", "#paper-3"] and parser.ids == [
        "paper-1",
        "paper-2",
        "paper-3",
    ]
    assert f"“{A_RESULT}”" in parser.text

    # the same papers are now in the index: --indexed with a category and day rebuilds the digest offline
    replay.log.clear()
    assert main(["digest", "--indexed", "--category", "cs.CL", "--date", DAY, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert not replay.log
    assert [e["paper_id"] for e in data["entries"]] == [f"arxiv:2505.2000{n}" for n in (1, 2, 3)]
    takeaways = data["entries"][0]["takeaways"]
    assert {_flat(t["text"]) for t in takeaways} == set(a_quotes)  # the index alone gives the same page
    assert all(t["end"] - t["start"] == len(t["text"]) and t["cues"] for t in takeaways)


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.anchors: list[str] = []
        self.ids: list[str] = []
        self.text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "a" and (values.get("href") or "").startswith("#"):
            self.anchors.append(values["href"] or "")
        if tag == "article":
            self.ids.append(values.get("id") or "")

    def handle_data(self, data: str) -> None:
        self.text += data


def test_an_empty_day_is_a_clear_error(replay, capsys) -> None:
    _serve_day(replay, "2025-05-25", [])
    code = main(["digest", "--category", "cs.CL", "--date", "2025-05-25"])
    captured = capsys.readouterr()
    assert code == 1 and not captured.out
    assert "no papers for a digest of cs.CL on 2025-05-25" in captured.err
    assert "arXiv search returned no results" in captured.err


def test_digest_without_a_source_is_a_usage_error(replay, capsys) -> None:
    assert main(["digest"]) == 2
    assert "--category" in capsys.readouterr().err


def test_indexed_digest_over_the_bundled_corpus(bundled_library, monkeypatch, capsys) -> None:
    _share_model(monkeypatch, bundled_library)
    index = str(bundled_library.settings.index_dir)
    assert main(["digest", "--indexed", "--index", index]) == 0
    markdown = capsys.readouterr().out
    sections = _sections(markdown)
    assert len(sections) == 19 and "19 papers" in markdown
    nover = sections["NOVER: Incentive Training for Language Models via Verifier-Free Reinforcement Learning"]
    assert "20 pages" in nover
    quotes = _takeaways(nover)
    assert 3 <= len(quotes) <= 6
    record = bundled_library.resolve_paper("NOVER")
    for text, where in quotes:
        assert text in _flat(record.abstract) and where["abstract"]  # abstract-only corpus: quotes from it
    assert any("7.7 percent" in text for text, _ in quotes)
    assert all("关键" not in s and "摘要" not in s for s in sections.values())  # never the Chinese summaries


def test_query_digest_as_html_on_stdout(replay, capsys) -> None:
    summary = "We introduce a router that outperforms dense baselines by 9% on translation. It is simple."
    replay.add_feed(
        atom_feed([atom_entry("2505.20009", title="Routers & <Translation>", summary=summary)]),
        search_query="ti:routers",
        max_results=100,
    )
    code = main(["digest", "--query", "ti:routers", "--max", "5", "--abstract-only", "--format", "html"])
    page = capsys.readouterr().out
    assert code == 0
    assert page.startswith("<!DOCTYPE html>") and "query: ti:routers" in page
    assert "<h2>1. Routers &amp; &lt;Translation&gt;</h2>" in page
    assert "“We introduce a router that outperforms dense baselines by 9% on translation.”" in page
    assert "abstract only; takeaways come from the abstract" in page
    assert not replay.pdf_requests  # --abstract-only: no PDF fetched
