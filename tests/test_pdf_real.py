"""load_pdf on the real papers and odd files in ../shared/pdfs (skipped when ../shared is absent)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ingest.chunking import chunk_paper
from ingest.models import Paper, SourceError
from ingest.pdf.ocr import OcrOptions
from ingest.sources.pdf import load_pdf

SHARED_PDFS = Path(__file__).resolve().parents[1].parent / "shared" / "pdfs"


def shared_pdf(name: str) -> Path:
    path = SHARED_PDFS / name
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is only beside the repo in CI and dev sessions)")
    return path


_cache: dict[str, Paper] = {}


def paper(name: str) -> Paper:
    if name not in _cache:
        _cache[name] = load_pdf(shared_pdf(name))
    return _cache[name]


@pytest.mark.parametrize(
    ("name", "title"),
    [
        (
            "1111.2011v2.pdf",
            "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit",
        ),
        ("2206.10883v3.pdf", "Multi-LexSum: Real-World Summaries of Civil Rights Lawsuits at Multiple Granularities"),
        (
            "papermage.pdf",
            "PaperMage: A Unified Toolkit for Processing, Representing, and Manipulating Visually-Rich "
            "Scientific Documents",
        ),
        # A single page cut from a paper: its running header carries the paper's title.
        ("2305.03393v1-pg9.pdf", "Optimized Table Tokenization for Table Structure Recognition"),
    ],
)
def test_titles(name: str, title: str) -> None:
    assert paper(name).title == title


def test_arxiv_papers_get_arxiv_ids() -> None:
    lexsum = paper("2206.10883v3.pdf")
    assert lexsum.id == "arxiv:2206.10883" and lexsum.extra["arxiv_version"] == "v3" and lexsum.year == 2022
    assert paper("1111.2011v2.pdf").id == "arxiv:1111.2011"
    assert paper("papermage.pdf").id.startswith("pdf:")  # no arXiv id printed on it


def test_papermage_sections() -> None:
    p = paper("papermage.pdf")
    titles = [s.title for s in p.sections]
    # A float (table, figure caption) is a section of its own: the text after it continues under the same title.
    numbered = list(dict.fromkeys(t for t in titles if re.match(r"\d|[A-Z](\.\d)?\s", t)))
    assert numbered == [
        "1 Introduction",
        "2 Related Work",
        "2.1 Turn-key software for scientific documents",
        "2.2 Models for scientific document processing",
        "2.3 Combining models and pipelines",
        "3 Design of papermage",
        "3.1 Representing and manipulating visually-rich documents with magelib",
        "3.2 Interfacing with models for scientific document analysis through Predictors",
        "3.3 End-to-end processing with Recipes",
        "4 Vignette: Building an Attributed QA System for Scientific Papers",
        "5 Conclusion",
        "A Appendix",
        "A.1 Comparison and Compatibility with XML",
        "A.2 Additional magelib Protocols and Utilities",
        "A.3 Evaluating papermage’s CoreRecipe against Grobid",
    ]
    assert titles[1] == "Abstract" and p.abstract.startswith("Despite growing interest")
    refs = [s for s in p.sections if s.kind == "references"]
    assert [s.title for s in refs] == ["References"] and p.page_at(refs[0].start) == 7
    assert 50 <= p.extra["references_count"] <= 56  # 53 entries as printed (author-year, hanging indent)
    assert p.authors[:2] == ["Kyle Lo", "Zejiang Shen"] and len(p.authors) == 17


def test_multilexsum_sections() -> None:
    p = paper("2206.10883v3.pdf")
    main = list(dict.fromkeys(s.title for s in p.sections if re.match(r"\d+ ", s.title)))
    assert main == [
        "1 Introduction",
        "2 Related work",
        "3 Multi-LexSum",
        "4 Experiments",
        "5 Human evaluation",
        "6 Conclusion",
    ]
    appendix = list(dict.fromkeys(s.title.split()[0] for s in p.sections if re.match(r"[A-F] ", s.title)))
    assert appendix == ["A", "B", "C", "D", "E", "F"]
    assert p.extra["references_count"] == 64  # numbered [1]..[64]
    assert p.page_at(next(s for s in p.sections if s.kind == "references").start) == 10
    assert "arXiv:2206.10883v3 [cs.CL]" not in p.text


def test_physics_paper_without_references_heading() -> None:
    p = paper("1111.2011v2.pdf")
    text_sections = list(dict.fromkeys(s.title for s in p.sections if s.kind not in {"table", "figure"}))
    assert text_sections[1:4] == [
        "I. INTRODUCTION",
        "II. SELF-CONSISTENT ACTION IN THE LARGE z LIMIT",
        "A. Ordered Phase",
    ]
    assert p.sections[-1].kind == "references" and p.extra["references_count"] == 20
    assert p.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tešanović"]
    assert "ﬀ" not in p.text and "different" in p.text


def test_chunks_stay_inside_sections_and_pages() -> None:
    p = paper("papermage.pdf")
    chunks = chunk_paper(p)
    assert len(chunks) > 50
    for chunk in chunks:
        section = next(s for s in reversed(p.sections) if s.title == chunk.section and s.start <= chunk.start)
        assert chunk.end <= section.end
        assert 1 <= chunk.page_start <= chunk.page_end <= 13
        assert chunk.kind == section.kind


def test_odd_corrupted() -> None:
    with pytest.raises(SourceError, match="not a PDF"):
        load_pdf(shared_pdf("odd/docling-corrupted.pdf"))


def test_odd_encrypted() -> None:
    path = shared_pdf("odd/pypdf-samples-libreoffice-writer-password.pdf")
    with pytest.raises(SourceError, match="encrypted, give --password"):
        load_pdf(path)
    with pytest.raises(SourceError, match="wrong password"):
        load_pdf(path, password="guess")
    opened = load_pdf(path, password="openpassword")
    assert opened.text.startswith("Lorem ipsum dolor sit amet")


def test_odd_scanned_is_skipped_when_ocr_is_off() -> None:
    with pytest.raises(SourceError) as info:
        load_pdf(shared_pdf("odd/docling-ocr_test-scanned.pdf"), ocr=OcrOptions(mode="never"))
    assert info.value.skipped and info.value.reason == "no extractable text (scanned?); OCR is off (--ocr never)"


def test_odd_invisible_text_layer_is_read() -> None:
    # An OCR layer drawn invisibly (render mode 3) is still the page's text: index it.
    p = load_pdf(shared_pdf("odd/docling-invisible_text_layer.pdf"))
    assert p.title == "Visible heading line" and "Invisible OCR text layer" in p.text


@pytest.mark.slow
def test_odd_long_book() -> None:
    pages: list[int] = []
    p = load_pdf(shared_pdf("odd/pypdf-samples-GeoTopo-komprimiert.pdf"), on_page=lambda i, n: pages.append(i))
    assert pages == list(range(1, 118)) and p.pages == 117
    assert p.title == "Geometrie und Topologie" and p.authors == ["Martin Thoma"]
    chapters = [s.title for s in p.sections if re.match(r"\d ", s.title)]
    assert chapters == [
        "1 Topologische Grundbegriffe",
        "2 Mannigfaltigkeiten und Simplizialkomplexe",
        "3 Fundamentalgruppe und Überlagerungen",
        "4 Euklidische und nichteuklidische Geometrie",
        "5 Krümmung",
    ]
    assert "ZUSAMMENHANG" not in p.text  # the running header "13 1.4. ZUSAMMENHANG" is gone
    assert "Auflage" in p.text and "ﬂ" not in p.text


def test_odd_multicolumn() -> None:
    p = load_pdf(shared_pdf("odd/pypdf-samples-multicolumn.pdf"))
    assert p.title == "Two-Column Document with Lorem Ipsum"
    assert "adipiscing elit" in p.text and "adip- iscing" not in p.text  # hyphenation repaired
    assert p.abstract.startswith("This is a sample document with two columns filled")


def test_odd_rotated_arabic() -> None:
    p = load_pdf(shared_pdf("odd/pypdf-samples-habibi-rotated.pdf"))
    assert p.pages == 4
    assert p.text.count("habibi") == 4 and "حَبيبي" in p.text
    assert [p.page_at(p.text.find("habibi", p.page_starts[i])) for i in range(4)] == [1, 2, 3, 4]
