"""OCR of scanned PDFs with the real tesseract: the shared scanned file, a scanned copy of a generated paper
(tilted, JPEG, one page fed sideways), OCR options, and the one-line error when tesseract is missing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from ingest.chunking import chunk_paper
from ingest.models import Paper, SourceError
from ingest.pdf.ocr import INSTALL_HINT, OcrOptions
from ingest.sources import load_input
from ingest.sources.pdf import load_pdf
from tests.conftest import shared_path
from tests.pdf_factory import HEADER, Layout, make_paper_pdf
from tests.scan_factory import make_scanned_copy

needs_tesseract = pytest.mark.skipif(
    not shutil.which("tesseract"), reason="tesseract is not installed (`make ocr-deps` installs it)"
)


@pytest.fixture(scope="module")
def scanned(tmp_path_factory: pytest.TempPathFactory) -> tuple[Paper, Layout]:
    """The first two pages of a generated paper scanned at 150 dpi, page 2 fed sideways, read back by OCR."""
    if not shutil.which("tesseract"):
        pytest.skip("tesseract is not installed (`make ocr-deps` installs it)")
    folder = tmp_path_factory.mktemp("scan")
    layout = make_paper_pdf(folder / "original.pdf")
    make_scanned_copy(folder / "original.pdf", folder / "scan.pdf", pages=[0, 1], turn={1: 90})
    return load_pdf(folder / "scan.pdf"), layout


@needs_tesseract
def test_shared_scanned_pdf_is_indexed_and_its_sentence_found(make_library) -> None:
    path = shared_path("pdfs", "odd", "docling-ocr_test-scanned.pdf")
    library = make_library()
    events: list[tuple[str, int, int | None]] = []
    report = library.ingest([str(path)], progress=lambda what, done, total: events.append((what, done, total)))
    assert len(report.added) == 1 and not report.failed, report
    assert ("OCR pages", 1, 1) in events  # the progress bar counts pages read by OCR
    [hit, *_] = library.search("Which tool converts PDF documents to JSON and Markdown?", k=3)
    assert hit.paper_id == report.added[0][0]
    assert "Docling bundles PDF document conversion to JSON and Markdown" in hit.text
    assert hit.ocr and hit.page_start == 1 and "OCR text" in hit.location
    # the app's passage card says where the text came from
    from ui.app_render import passage_card

    assert '<span class="ocr" title="read from a page image by OCR">OCR text</span>' in passage_card(hit)


def test_scanned_copy_reads_back_every_sentence_on_its_page(scanned: tuple[Paper, Layout]) -> None:
    paper, layout = scanned
    on_scanned_pages = {s: page for s, (page, _) in layout.sentences.items() if page <= 2}
    assert len(on_scanned_pages) >= 15
    missing = [s for s in on_scanned_pages if s not in paper.text]
    assert not missing, missing
    for sentence, page in on_scanned_pages.items():
        assert paper.page_at(paper.text.index(sentence)) == page, sentence
    assert paper.extra["ocr_pages"] == [1, 2] and paper.extra["ocr_lang"] == "eng"
    assert paper.title == "Provenance Tracking for Synthetic Research Papers"


def test_ocr_text_is_cleaned_like_a_text_layer(scanned: tuple[Paper, Layout]) -> None:
    paper, _ = scanned
    assert HEADER not in paper.text  # the running header of both pages is gone
    assert "recognition" in paper.text and "recog-" not in paper.text  # the line-end hyphen is rejoined
    assert [s.title for s in paper.sections if s.title][:2] == ["Abstract", "1 Introduction"]


def test_a_page_fed_sideways_is_detected_and_turned(scanned: tuple[Paper, Layout]) -> None:
    paper, layout = scanned
    # Page 2 was turned 90° clockwise; OCR turned it back by 270° clockwise.
    assert paper.extra["ocr_turned_pages"] == [[2, 270]]
    assert any(page == 2 and sentence in paper.text for sentence, (page, _) in layout.sentences.items())


@needs_tesseract
def test_headings_set_bold_at_the_body_size_are_found_on_a_scan(tmp_path: Path) -> None:
    # Only their weight tells these headings from body text: OCR measures it on the page image.
    layout = make_paper_pdf(tmp_path / "original.pdf", heading_size=11)
    make_scanned_copy(tmp_path / "original.pdf", tmp_path / "scan.pdf", pages=[0, 1])
    paper = load_pdf(tmp_path / "scan.pdf")
    titles = [s.title for s in paper.sections if s.title]
    assert titles[:4] == ["Abstract", "1 Introduction", "2 Method", "2.1 Training"], titles
    checked = 0
    for sentence, (page, section) in layout.sentences.items():
        if page <= 2 and sentence in paper.text:
            at = paper.text.index(sentence)
            assert [s.title for s in paper.sections if s.start <= at < s.end] == [section], sentence
            checked += 1
    assert checked >= 15


@needs_tesseract
def test_a_scanned_ruled_table_comes_out_as_rows_of_cells_under_its_header(tmp_path: Path) -> None:
    # LNCS page with a fully ruled table (a grid): the rules are painted out before tesseract reads it
    original = shared_path("pdfs", "2305.03393v1-pg9.pdf")
    make_scanned_copy(original, tmp_path / "scan.pdf", dpi=150, tilt=0.7)
    paper = load_pdf(tmp_path / "scan.pdf")
    assert paper.extra["ocr_pages"] == [1]
    [section] = [s for s in paper.sections if s.kind == "table"]
    assert section.title.startswith("Table 1: HPO performed in OTSL and HTML representation")
    # the section: the caption, then one paragraph per row (chunks may cut a paragraph; the section does not)
    rows = [para for para in paper.text[section.start : section.end].split("\n\n") if " — " in para]
    assert len(rows) >= 6, rows  # 8 rows in the table: tesseract may miss one
    chunks = [c for c in chunk_paper(paper) if rows[0] in c.text]
    assert chunks and chunks[0].kind == "table" and chunks[0].page_start == 1 and chunks[0].section == section.title
    header, cells = rows[0].split(" — ")
    # the caption's first sentence, then the column names read from the two header lines, cell by cell
    assert header.startswith("Table 1: HPO performed in OTSL and HTML representation on the same")
    assert "| Language |" in header and "| mAP (0.75) |" in header and "enc-layers" in header, header
    assert cells == "6 | 6 | OTSL | 0.965 | 0.934 | 0.955 | 0.88 | 2.73"
    # a row whose first two cells span two rows of the grid keeps its columns: empty cells, then its own
    values = [row.split(" — ", 1)[1].split(" | ") for row in rows]
    assert ["", "", "HTML", "0.969", "0.927", "0.955", "0.857", "5.39"] in values, values
    assert "Quantitative Results" not in " ".join(rows)  # the heading after the table is no row


def _image_only_pdf(path: Path) -> Path:
    Image.new("L", (600, 800), 255).save(path, "PDF", resolution=72.0)
    return path


def test_ocr_never_reports_the_scan_as_skipped(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        load_pdf(_image_only_pdf(tmp_path / "scan.pdf"), ocr=OcrOptions(mode="never"))
    assert info.value.skipped and info.value.reason == "no extractable text (scanned?); OCR is off (--ocr never)"


@needs_tesseract
def test_a_missing_language_names_its_package(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as info:
        load_pdf(_image_only_pdf(tmp_path / "scan.pdf"), ocr=OcrOptions(lang="eng+qqq"))
    assert info.value.reason == "tesseract has no language data for qqq: apt-get install tesseract-ocr-qqq"


def test_tesseract_missing_gives_one_line_and_other_files_still_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    scan = _image_only_pdf(tmp_path / "scan.pdf")
    text = tmp_path / "paper.pdf"
    make_paper_pdf(text)
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))  # no tesseract on it
    [error] = list(load_input(str(scan)))
    [paper] = list(load_input(str(text)))
    assert isinstance(error, SourceError) and not error.skipped
    assert str(error) == f"{scan}: needs OCR (no text layer) but tesseract is not installed: {INSTALL_HINT}"
    assert isinstance(paper, Paper) and "ocr_pages" not in paper.extra


def test_without_tesseract_a_text_paper_with_one_image_page_still_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    for k in range(12):
        pdf.set_xy(20, 30 + 7 * k)
        pdf.cell(0, 6, f"Line {k} of the first page carries ordinary body text for the test.")
    pdf.add_page()
    pdf.image(Image.new("L", (400, 300), 128), x=20, y=30, w=150)  # a scanned figure: image, no text
    path = tmp_path / "mixed.pdf"
    pdf.output(str(path))
    empty_bin = tmp_path / "bin"
    empty_bin.mkdir()
    monkeypatch.setenv("PATH", str(empty_bin))
    paper = load_pdf(path)
    assert paper.extra["pages_not_read"] == [2] and "ocr_pages" not in paper.extra
    assert "Line 11 of the first page" in paper.text


def test_cli_ocr_flags_reach_the_settings() -> None:
    from ui.cli import build_parser, settings_from

    args = build_parser().parse_args(["ingest", "x.pdf", "--ocr", "always", "--ocr-lang", "eng+deu"])
    settings = settings_from(args)
    assert (settings.ocr, settings.ocr_lang) == ("always", "eng+deu")


def _glyph_codes(text: str) -> str:
    """`text` as a font without a Unicode map gives it: each letter a glyph code (vowels become symbols), the
    codes often split by spaces (what old TeX Type 3 fonts extract as)."""
    plain = "abcdefghijklmnopqrstuvwxyz"
    codes = "^qT\\dM_SOgJkl+a*hvNPrf#KzLx"
    out = []
    for k, ch in enumerate(text.lower()):
        code = codes[plain.index(ch)] if ch in plain else ch
        out.append(code + (" " if ch in plain and k % 2 else ""))
    return "".join(out)


@needs_tesseract
def test_a_text_layer_of_glyph_codes_is_read_by_ocr(tmp_path: Path) -> None:
    """A page whose text layer is a letter-for-letter substitution (it reads as 'words' and the page draws its
    text, not an image of it, in real cases) is read from its image instead."""
    from fpdf import FPDF
    from pypdf import PdfReader, PdfWriter

    layout = make_paper_pdf(tmp_path / "original.pdf")
    make_scanned_copy(tmp_path / "original.pdf", tmp_path / "scan.pdf", pages=[0], tilt=0.0)
    on_page = [s for s, (page, _) in layout.sentences.items() if page == 1]
    codes = FPDF()
    codes.add_page()
    codes.set_font("Helvetica", "", 9)
    codes.set_xy(15, 15)
    codes.multi_cell(180, 5, _glyph_codes(" ".join(on_page)))
    codes.output(str(tmp_path / "codes.pdf"))
    writer = PdfWriter(clone_from=tmp_path / "codes.pdf")
    writer.pages[0].merge_page(PdfReader(tmp_path / "scan.pdf").pages[0])  # its image drawn over its text layer
    writer.write(tmp_path / "glyph-codes.pdf")

    paper = load_pdf(tmp_path / "glyph-codes.pdf")
    assert paper.extra.get("ocr_pages") == [1]
    found = [s for s in on_page if s in paper.text]
    assert len(found) >= 0.8 * len(on_page), (len(found), len(on_page))
