"""Citations you can check, end to end on a real index: `ask --json` highlights, `papers page`, the Ask tab's
page view (PDF page, abstract-only paper, moved PDF), and the exports (Markdown, BibTeX round trip, CSL-JSON)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from bench.highlights import ReadBack, overlap
from tests.pdf_factory import make_paper_pdf
from ui.cli import main

ARXIV_ID = "2101.01234"
LIGATURE_PROBE = "The efficient filtering of floating text is the ligature probe."
HYPHEN_PROBE = "Automatic pattern recognition of headings is the first probe sentence here."
ABSTRACT_RECORD = {
    "id": "lunar-regolith-bricks",
    "title": "Lunar Regolith Bricks & Microwave Sintering",
    "authors": ["Ada Selene", "Neil Crater"],
    "year": 2024,
    "url": "https://example.org/lunar",
    "doi": "10.1234/lunar.5678",
    "abstract": "Lunar regolith bricks are sintered with concentrated microwaves at about 1100 degrees Celsius. "
    "The bricks reach 30 megapascals without any binder.",
}


@pytest.fixture(scope="module")
def cited(tmp_path_factory: pytest.TempPathFactory, bundled_library):
    """A PDF paper (with an arXiv stamp, a hyphenated word and ligature glyphs) and an abstract-only record."""
    from rag import Library, Settings

    folder = tmp_path_factory.mktemp("cited")
    pdf = folder / "synthetic.pdf"
    layout = make_paper_pdf(pdf, arxiv_id=ARXIV_ID)
    records = folder / "abstracts.jsonl"
    records.write_text(json.dumps(ABSTRACT_RECORD) + "\n", encoding="utf-8")
    library = Library(Settings(index_dir=folder / "index"), embedder=bundled_library.embedder)
    report = library.ingest([str(pdf), str(records)])
    assert len(report.added) == 2 and not report.failed
    return library, pdf, layout


def _index(library) -> list[str]:
    return ["--index", str(library.settings.index_dir)]


def test_ask_json_sources_carry_highlights_that_read_back(cited, capsys) -> None:
    library, pdf, layout = cited
    assert main(["ask", "What is the ligature probe about floating text?", "--json", *_index(library)]) == 0
    data = json.loads(capsys.readouterr().out)
    source = next(s for s in data["sources"] if s["paper_id"] == f"arxiv:{ARXIV_ID}")
    assert source["quotes"] and source["highlights"]
    reader = ReadBack(pdf)
    try:
        for h in source["highlights"]:
            assert h["quote"] in source["quotes"]
            assert all(0 <= x0 < x1 <= 595.3 and 0 <= top < bottom <= 841.9 for x0, top, x1, bottom in h["rects"])
            assert overlap(h["quote"], reader.text_in(h["page"], h["rects"])) >= 0.8
        quoted = {h["quote"]: h["page"] for h in source["highlights"]}
        for quote, page in quoted.items():
            if quote in layout.sentences:
                assert page == layout.sentences[quote][0]
    finally:
        reader.close()


@pytest.mark.parametrize("probe", [HYPHEN_PROBE, LIGATURE_PROBE])
def test_hyphenated_and_ligature_lines_are_found_on_their_page(cited, probe: str) -> None:
    library, pdf, layout = cited
    if probe == LIGATURE_PROBE and not layout.unicode_font:
        pytest.skip("no DejaVu font: the generated PDF has no ligature glyphs")
    record = library.resolve_paper(ARXIV_ID)
    found = library.find_on_page(record, 1, probe)
    assert [h.page for h in found] == [1]
    reader = ReadBack(pdf)
    try:
        assert overlap(probe, reader.text_in(1, found[0].rects)) >= 0.9
    finally:
        reader.close()


def test_page_command_renders_a_highlight(cited, tmp_path: Path, capsys) -> None:
    from PIL import Image

    library, _, _ = cited
    out = tmp_path / "page.png"
    assert main(["page", ARXIV_ID, "1", "--highlight", HYPHEN_PROBE, "-o", str(out), *_index(library)]) == 0
    assert "2 highlighted lines" in capsys.readouterr().out
    image = Image.open(out).convert("RGB")
    assert abs(image.width - 595.3 * 150 / 72) < 2 and abs(image.height - 841.9 * 150 / 72) < 2
    yellow = sum(1 for r, g, b in image.getdata() if r > 230 and g > 200 and b < 190)
    assert yellow > 2000  # the translucent highlight over the two lines
    plain = tmp_path / "plain.png"
    assert main(["page", ARXIV_ID, "2", "-o", str(plain), *_index(library)]) == 0
    assert not any(r > 230 and g > 200 and b < 190 for r, g, b in Image.open(plain).convert("RGB").getdata())
    missing = ["page", ARXIV_ID, "1", "--highlight", "no such words on the page", "-o", str(plain)]
    assert main([*missing, *_index(library)]) == 1
    assert "not found on page 1" in capsys.readouterr().err
    assert main(["page", ARXIV_ID, "99", "-o", str(plain), *_index(library)]) == 2
    assert "no page 99 (the PDF has" in capsys.readouterr().err
    assert main(["page", "lunar-regolith-bricks", "1", "-o", str(plain), *_index(library)]) == 2
    assert "has no PDF in the index" in capsys.readouterr().err


def test_ask_markdown_has_numbered_references_with_links(cited, tmp_path: Path) -> None:
    library, _, _ = cited
    out = tmp_path / "answer.md"
    question = "At what temperature are lunar regolith bricks sintered?"
    assert main(["ask", question, "--format", "markdown", "-o", str(out), *_index(library)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith(f"## {question}")
    assert "### References" in text and "[1] Lunar Regolith Bricks & Microwave Sintering — Ada Selene" in text
    assert "[doi:10.1234/lunar.5678](https://doi.org/10.1234/lunar.5678)" in text
    assert "> “Lunar regolith bricks are sintered with concentrated microwaves" in text


def test_bibtex_export_parses_and_reingests_as_the_same_papers(cited, tmp_path: Path, bundled_library) -> None:
    import bibtexparser

    from rag import Library, Settings

    library, _, _ = cited
    out = tmp_path / "refs.bib"
    args = ["cite", ARXIV_ID, "lunar-regolith-bricks", "--format", "bibtex", "-o", str(out), *_index(library)]
    assert main(args) == 0
    parsed = bibtexparser.parse_string(out.read_text(encoding="utf-8"))
    assert not parsed.failed_blocks
    entries = {e.key: {f.key: f.value for f in e.fields} for e in parsed.entries}
    assert entries[f"arxiv:{ARXIV_ID}"]["eprint"] == ARXIV_ID
    assert entries[f"arxiv:{ARXIV_ID}"]["url"] == f"https://arxiv.org/abs/{ARXIV_ID}"
    assert entries["lunar-regolith-bricks"]["doi"] == "10.1234/lunar.5678"
    assert entries["lunar-regolith-bricks"]["title"] == "Lunar Regolith Bricks \\& Microwave Sintering"

    again = Library(Settings(index_dir=tmp_path / "again"), embedder=bundled_library.embedder)
    report = again.ingest([str(out)])
    assert not report.failed and len(report.added) == 2
    for original in (library.resolve_paper(ARXIV_ID), library.resolve_paper("lunar-regolith-bricks")):
        copy = again.paper(original.id)
        assert copy is not None, original.id
        assert (copy.title, copy.authors, copy.year) == (original.title, original.authors, original.year)
        assert " ".join(copy.abstract.split()) == " ".join(original.abstract.split())


def test_csl_json_export_reads_with_citeproc(cited, tmp_path: Path) -> None:
    from citeproc import Citation, CitationItem, CitationStylesBibliography, CitationStylesStyle, formatter
    from citeproc.source.json import CiteProcJSON

    library, _, _ = cited
    out = tmp_path / "refs.json"
    assert main(["cite", ARXIV_ID, "lunar", "--format", "csl-json", "-o", str(out), *_index(library)]) == 0
    source = CiteProcJSON(json.loads(out.read_text(encoding="utf-8")))
    style = CitationStylesStyle("harvard-cite-them-right", validate=False)
    bibliography = CitationStylesBibliography(style, source, formatter.plain)
    for key in (f"arxiv:{ARXIV_ID}", "lunar-regolith-bricks"):
        bibliography.register(Citation([CitationItem(key)]))
    rendered = " ".join(str(item) for item in bibliography.bibliography())
    assert "Lunar Regolith Bricks & Microwave Sintering" in rendered and "Selene" in rendered
    assert "Provenance Tracking for Synthetic Research Papers" in rendered


def _history(library, question: str) -> list:
    answer = library.ask(question)
    assert not answer.refused and answer.sources
    return [[question, answer.to_dict()]]


def test_page_view_shows_the_page_with_highlights_and_turns_pages(cited) -> None:
    from ui.app import PapersApp

    library, _, layout = cited
    app = PapersApp(library)
    history = _history(library, "What is the ligature probe about floating text?")
    n = next(s["n"] for s in history[0][1]["sources"] if s["highlights"])
    html, shown = app.pages.show(f"0:{n}", history)
    assert 'src="data:image/png;base64,' in html and html.count('class="pv-hl"') >= 1
    assert shown["page"] == 1 and shown["pages"] == layout.pages
    html, shown = app.pages.turn(1, shown, history)
    assert shown["page"] == 2 and f"page 2 of {layout.pages}" in html and "pv-hl" not in html
    _, same = app.pages.turn(-1, {**shown, "page": 1}, history)
    assert same["page"] == 1  # nothing before page 1: unchanged
    assert app.pages.show("not a request", history)[1] is None
    # In a page shown in Chinese, the view's own words are Chinese (the paper's stay as they are).
    html, shown = app.pages.show(f"0:{n}", history, "zh-CN")
    assert f"第 1 页，共 {layout.pages} 页" in html and "文件 " in html and "page 1 of" not in html
    html, shown = app.pages.forward(shown, history, "zh")
    assert shown["page"] == 2 and f"第 2 页，共 {layout.pages} 页" in html
    html, shown = app.pages.back(shown, history, "en")
    assert shown["page"] == 1 and f"page 1 of {layout.pages}" in html


def test_page_view_of_an_abstract_only_paper_marks_the_quote(cited) -> None:
    from ui.app import PapersApp

    library, _, _ = cited
    history = _history(library, "At what temperature are lunar regolith bricks sintered?")
    n = next(s["n"] for s in history[0][1]["sources"] if s["paper_id"] == "lunar-regolith-bricks")
    html, shown = PapersApp(library).pages.show(f"0:{n}", history)
    assert shown is None and "No PDF for this paper (abstract only)" in html
    assert "这篇论文没有 PDF（只有摘要）" in PapersApp(library).pages.show(f"0:{n}", history, "zh")[0]
    assert "<mark>Lunar regolith bricks are sintered" in html


def test_page_view_of_a_moved_pdf_says_so_and_shows_the_passage(cited, tmp_path: Path, bundled_library) -> None:
    from rag import Library, Settings
    from ui.app import PapersApp

    pdf = tmp_path / "moving.pdf"
    make_paper_pdf(pdf)
    library = Library(Settings(index_dir=tmp_path / "index"), embedder=bundled_library.embedder)
    assert library.ingest([str(pdf)]).added
    history = _history(library, "What is the first probe sentence about headings?")
    shutil.move(pdf, tmp_path / "elsewhere.pdf")
    html, shown = PapersApp(library).pages.show("0:1", history)
    assert shown is None and "is no longer at" in html and "moved or deleted" in html
    assert "<mark>" in html and "Traceback" not in html


def test_export_buttons_write_markdown_and_bibtex(cited) -> None:
    import bibtexparser

    from ui.app import PapersApp

    library, _, _ = cited
    app = PapersApp(library)
    history = _history(library, "At what temperature are lunar regolith bricks sintered?")
    markdown = Path(app.export_answer(history))
    assert markdown.suffix == ".md" and "### References" in markdown.read_text(encoding="utf-8")
    bib = Path(app.export_bibtex(history))
    parsed = bibtexparser.parse_string(bib.read_text(encoding="utf-8"))
    assert "lunar-regolith-bricks" in {e.key for e in parsed.entries} and not parsed.failed_blocks
    for path in (markdown, bib):
        shutil.rmtree(path.parent)
