"""PDF → Paper on PDFs generated here with fpdf2: exact page/section provenance and clean-up."""

from __future__ import annotations

import itertools
import re
from pathlib import Path

import pytest

from ingest.chunking import chunk_paper
from ingest.models import Paper
from ingest.pdf.clean import normalise_text
from ingest.sentences import sentence_spans
from ingest.sources.pdf import load_pdf
from tests.pdf_factory import (
    AUTHORS,
    HEADER,
    SUPERSCRIPT_SENTENCES,
    TITLE,
    Layout,
    make_long_pdf,
    make_paper_pdf,
    make_superscript_citations_pdf,
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Paper, Layout, Path]:
    path = tmp_path_factory.mktemp("pdf") / "paper.pdf"
    layout = make_paper_pdf(path)
    return load_pdf(path), layout, path


def _page_text(paper: Paper, page: int) -> str:
    end = paper.page_starts[page] if page < paper.pages else len(paper.text)
    return paper.text[paper.page_starts[page - 1] : end]


def test_metadata_title_authors_and_pages(generated: tuple[Paper, Layout, Path]) -> None:
    paper, layout, _ = generated
    assert paper.title == TITLE
    assert paper.authors == AUTHORS
    assert paper.source == "pdf"
    assert paper.pages == layout.pages == paper.extra["pages"] == 4
    assert paper.page_starts[0] == 0 and paper.page_starts == sorted(paper.page_starts)
    assert re.fullmatch(r"pdf:[0-9a-f]{16}", paper.id)
    assert paper.abstract.startswith("The abstract passage sentence 0")
    assert "arxiv_id" not in paper.extra


def test_sections_in_order_with_kinds(generated: tuple[Paper, Layout, Path]) -> None:
    paper, _, _ = generated
    titled = [(s.title, s.kind) for s in paper.sections if s.title]
    assert titled == [
        ("Abstract", "abstract"),
        ("1 Introduction", "body"),
        ("2 Method", "body"),
        ("2.1 Training", "body"),
        ("3 Results", "body"),
        ("References", "references"),
        ("A Details", "body"),  # an appendix after the references is body text again
    ]
    # Sections tile the text: contiguous, no gaps, no overlaps.
    assert paper.sections[0].start == 0 and paper.sections[-1].end == len(paper.text)
    for a, b in itertools.pairwise(paper.sections):
        assert a.end == b.start
    assert paper.extra["references_count"] == 4


def test_every_sentence_is_on_its_page_and_in_its_section(generated: tuple[Paper, Layout, Path]) -> None:
    paper, layout, _ = generated
    for sentence, (page, section) in layout.sentences.items():
        offset = paper.text.find(sentence)
        assert offset >= 0, sentence
        assert paper.page_at(offset) == page, sentence
        holder = next(s for s in paper.sections if s.start <= offset < s.end)
        assert holder.title == section, sentence


def test_chunks_claim_the_right_pages_and_sections(generated: tuple[Paper, Layout, Path]) -> None:
    paper, layout, _ = generated
    chunks = chunk_paper(paper, chunk_size=64, chunk_overlap=8)
    assert len(chunks) >= 8
    bounds = {s.title: (s.start, s.end) for s in paper.sections}
    checked = 0
    for chunk in chunks:
        assert paper.text[chunk.start : chunk.end] == chunk.text
        start, end = bounds[chunk.section]
        assert start <= chunk.start and chunk.end <= end, "a chunk crosses a section boundary"
        claimed = "".join(_page_text(paper, p) for p in range(chunk.page_start, chunk.page_end + 1))
        assert chunk.text in claimed
        for sentence, (page, section) in layout.sentences.items():
            if sentence in chunk.text:
                assert chunk.page_start <= page <= chunk.page_end, (sentence, chunk.page_start, chunk.page_end)
                assert chunk.section == section
                checked += 1
    assert checked >= len(layout.sentences)
    kinds = {c.section: c.kind for c in chunks}
    assert kinds["References"] == "references" and kinds["A Details"] == "body"


def test_paragraph_spanning_a_page_break_is_one_paragraph(generated: tuple[Paper, Layout, Path]) -> None:
    paper, _, _ = generated
    first = paper.text.index("The spillover passage sentence 0")
    last = paper.text.index("The spillover passage sentence 2")
    assert "\n" not in paper.text[first:last]
    assert paper.page_at(first) == 1 and paper.page_at(last) == 2


def test_running_header_footer_and_page_numbers_are_gone(generated: tuple[Paper, Layout, Path]) -> None:
    paper, _, _ = generated
    assert "Journal of Synthetic Testing" not in paper.text
    assert HEADER not in paper.text
    assert not re.search(r"\bPage \d\b", paper.text)


def test_hyphenation_ligatures_and_paragraphs(generated: tuple[Paper, Layout, Path]) -> None:
    paper, layout, _ = generated
    assert "Automatic pattern recognition of headings" in paper.text
    assert "recog-" not in paper.text
    if layout.unicode_font:
        assert "The efficient filtering of floating text" in paper.text
    assert not re.search("[\ufb00-\ufb06]", paper.text)
    # Lines inside a paragraph are reflowed to one line; paragraphs are separated by a blank line.
    intro = next(s for s in paper.sections if s.title == "1 Introduction")
    paragraphs = paper.text[intro.start : intro.end].strip().split("\n\n")
    assert paragraphs[0] == "1 Introduction"
    assert all("\n" not in p for p in paragraphs)
    assert paragraphs[1].startswith("The introduction passage sentence 0") and paragraphs[1].count(". The ") == 5


def test_references_entries_are_paragraphs(generated: tuple[Paper, Layout, Path]) -> None:
    paper, _, _ = generated
    refs = next(s for s in paper.sections if s.kind == "references")
    entries = paper.text[refs.start : refs.end].strip().split("\n\n")[1:]
    assert [e[:3] for e in entries] == ["[1]", "[2]", "[3]", "[4]"]
    assert entries[1] == "[2] A. Turing. On computable numbers. Proceedings of the London Mathematical Society, 1936."


def test_arxiv_id_on_page_one_gives_the_id(tmp_path: Path) -> None:
    path = tmp_path / "whatever-name.pdf"
    make_paper_pdf(path, arxiv_id="2101.00001v2")
    paper = load_pdf(path)
    assert paper.id == "arxiv:2101.00001"
    assert paper.extra["arxiv_id"] == "2101.00001v2" and paper.extra["arxiv_version"] == "v2"
    assert paper.year == 2021
    assert "arXiv:2101.00001v2 [cs.CL]" not in paper.text  # the stamp is metadata, not body text


def test_same_bytes_same_id_whatever_the_file_name(tmp_path: Path, generated: tuple[Paper, Layout, Path]) -> None:
    paper, _, path = generated
    copy = tmp_path / "renamed copy.pdf"
    copy.write_bytes(path.read_bytes())
    again = load_pdf(copy)
    assert again.id == paper.id and again.text == paper.text


def test_progress_callback_sees_every_page(tmp_path: Path) -> None:
    path = tmp_path / "long.pdf"
    make_long_pdf(path, 30)
    seen: list[tuple[int, int]] = []
    paper = load_pdf(path, on_page=lambda i, n: seen.append((i, n)))
    assert seen == [(i, 30) for i in range(1, 31)]
    assert paper.pages == 30
    offset = paper.text.index("Sheet 17 row 3 ")
    assert paper.page_at(offset) == 17


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("e\ufb03cient \ufb01eld \ufb02ow", "efficient field flow"),
        ("Te\u02c7sanovi\u00b4c", "Tešanović"),
        ("wide\u00a0space\u2003here", "wide space here"),
        ("x\u00b2 and \u00bd", "x\u00b2 and \u00bd"),  # super/fractions keep their meaning
    ],
)
def test_normalise_text(raw: str, clean: str) -> None:
    assert normalise_text(raw) == clean


def test_a_superscript_citation_after_a_full_stop_is_not_text_but_an_exponent_is(tmp_path: Path) -> None:
    # "… in drug development.¹²⁰ Small molecule …" read as "development.120 Small": the number opened the next
    # sentence and passed for a quantity; a raised "2" inside a sentence ("3 m²") is an exponent and stays
    path = tmp_path / "cites.pdf"
    make_superscript_citations_pdf(path)
    text = " ".join(load_pdf(path).text.split())
    assert [text[s:e] for s, e in sentence_spans(text)] == SUPERSCRIPT_SENTENCES
