"""Tables and figure captions of the shared real papers become passages of their own, with their page."""

from __future__ import annotations

import pytest

from ingest.chunking import chunk_paper
from ingest.models import Chunk, Paper
from ingest.sources.pdf import load_pdf
from tests.conftest import shared_path

_cache: dict[str, Paper] = {}


def paper(name: str) -> Paper:
    if name not in _cache:
        _cache[name] = load_pdf(shared_path("pdfs", name))
    return _cache[name]


def chunk_with(name: str, text: str) -> Chunk:
    found = [c for c in chunk_paper(paper(name)) if text in c.text]
    assert found, f"no chunk of {name} holds {text!r}"
    return found[0]


def test_each_table_row_keeps_caption_and_header() -> None:
    row = "— I-VILA | 92.0 | 94.1 | 92.7 | 92.2 | 95.2 | 93.7"
    chunk = chunk_with("papermage.pdf", row)
    [line] = [para for para in chunk.text.split("\n\n") if row in para]
    caption = "Table 2: Evaluating performance of CoreRecipe for logical structure recovery on S2-VL …"
    # cells split by where they are drawn; the two-line header names each column ("Grobid Subset" spans three)
    assert line.startswith(f"{caption} | Model | ") and "| Grobid Subset F1 — I-VILA" in line, line
    assert chunk.kind == "table" and chunk.page_start == chunk.page_end == 5
    assert chunk.section.startswith("Table 2: Evaluating performance of CoreRecipe")
    # the section: the caption in full, then one paragraph per row (the chunker may cut it in two)
    p = paper("papermage.pdf")
    section = next(s for s in p.sections if s.title == chunk.section)
    table = p.text[section.start : section.end].strip().split("\n\n")
    assert table[0].endswith("See Appendix A.3 for details.") and len(table) == 5


def test_caption_above_table_and_spaced_label() -> None:
    # LNCS style: the caption is above the table, and its label is letter-spaced in the text layer ("Ta b l e 1 .")
    chunk = chunk_with("2305.03393v1-pg9.pdf", "— 4 | 2 | OTSL | 0.952 | 0.92 | 0.942 | 0.857 | 1.22")
    assert chunk.kind == "table" and chunk.page_start == 1
    assert chunk.section.startswith("Table 1: HPO performed in OTSL and HTML representation")
    [row] = [para for para in chunk.text.split("\n\n") if "4 | 2 | OTSL | 0.952" in para]
    assert row.startswith("Table 1: HPO performed in OTSL and HTML representation on the same transformer-based …")
    assert "Quantitative Results" not in chunk.text  # the heading after the table is no row


def test_rows_between_two_captions_go_to_the_right_table() -> None:
    p = paper("2206.10883v3.pdf")
    tables = {s.title.split(":")[0]: p.text[s.start : s.end] for s in p.sections if s.kind == "table"}
    assert "Train (70%) | 28,557 | 3,177 | 2,210 | 1,130 | 6,517" in tables["Table 8"]
    assert "K-fold | 20% | 47.24(0.49)" in tables["Table 9"] and "28,557" not in tables["Table 9"]


def test_a_row_reads_its_cells_after_the_column_names() -> None:
    p = paper("2206.10883v3.pdf")
    [table] = [p.text[s.start : s.end] for s in p.sections if s.title.startswith("Table 8:")]
    header = "Table 8: Multi-LexSum train-dev-test splits |  | Source D | Long L | Short S | Tiny T | Total"
    assert f"{header} — Dev (10%) | 4,134 | 454 | 312 | 161 | 927" in table, table


def test_a_cell_after_a_dropped_footnote_mark_keeps_its_column() -> None:
    # "BookSum/Paragraph¹ 147,665": the mark is no text, and the cell after it, which begins with the same "1",
    # is placed by its own characters (placed by the mark's, it spanned two columns, and they merged in every row)
    p = paper("2206.10883v3.pdf")
    [table] = [p.text[s.start : s.end] for s in p.sections if s.title.startswith("Table 2:")]
    assert "Compress — BookSum/Paragraph | 147,665 | 1 |" in table, table
    assert "Compress — XSUM | 226,677 | 1 |" in table and "| Dataset | Samples | Docs |" in table


def test_figure_caption_is_a_passage_on_its_page() -> None:
    chunk = chunk_with("papermage.pdf", "Figure 1: papermage’s document creation and representation. (A) Recipes")
    assert chunk.kind == "figure" and chunk.page_start == 1
    # the text the figure interrupted goes on in its own section
    p = paper("papermage.pdf")
    after = next(s for s in p.sections if s.start >= p.text.index(chunk.text) + len(chunk.text))
    assert after.title == "1 Introduction" and after.kind == "body"


def test_a_row_starting_with_a_label_word_is_no_caption() -> None:
    titles = [s.title for s in paper("papermage.pdf").sections]
    assert not [t for t in titles if t.startswith(("Table 97", "Figure 0"))]


@pytest.mark.slow
def test_a_number_in_a_table_is_found_with_its_page(make_library) -> None:
    library = make_library()
    library.ingest([str(shared_path("pdfs", "papermage.pdf"))])
    hits = library.search("F1 of I-VILA on the Grobid subset of S2-VL", k=3)
    top = hits[0]
    row = "I-VILA | 92.0 | 94.1 | 92.7 | 92.2 | 95.2 | 93.7"
    assert row in top.text and top.page_start == 5, [h.text[:80] for h in hits]


def test_capital_labels_of_physics_papers() -> None:
    p = paper("1111.2011v2.pdf")  # REVTeX: "FIG. 1. Schematic depiction ..."
    figures = [(s.title, p.page_at(s.start)) for s in p.sections if s.kind == "figure"]
    assert [(t.split(":")[0], page) for t, page in figures] == [("Figure 1", 3), ("Figure 2", 6), ("Figure 3", 7)]
    assert figures[0][0].startswith("Figure 1: Schematic depiction of the self-consistent calculation")
