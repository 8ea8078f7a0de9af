"""TeX fonts without a ToUnicode map (dvips bitmap fonts embedded as Type3): their ligature, quote and dash
codes are read as the letters and marks they draw, in the product's text and in the highlight matcher."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bench.heldout import pdf_paths, present
from ingest.pdf.glyphs import locate, read_pages
from ingest.pdf.tex_fonts import FontEncodings
from ingest.sources.pdf import load_pdf
from tests.pdf_factory import make_tex_type3_pdf

T1_PAGES = [
    [
        b"The \x1crst signi\x1ccance test of the e\x1bect of a regressor",
        b"is called \x10dating\x11 and is reported on pages 12\x1534 of the book.",
    ],
    [b"Second page text: the method o\x1bers a \x1dexible way to \x1et a model."],
]
OT1_PAGES = [[b"The \x0crst signi\x0ccance test of the e\x0bect, done with sang\x1a \x0croid and a man\x1buvre."]]


def test_t1_codes_read_as_ligatures_quotes_and_dashes(tmp_path: Path) -> None:
    path = tmp_path / "t1.pdf"
    make_tex_type3_pdf(path, T1_PAGES)
    text = load_pdf(path).text
    assert "The first significance test of the effect of a regressor" in text
    assert "is called “dating” and is reported on pages 12–34 of the book." in text
    assert "the method offers a flexible way to ffit a model." in text
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in text)


def test_ot1_codes_read_as_ot1_ligatures_and_letters(tmp_path: Path) -> None:
    path = tmp_path / "ot1.pdf"
    make_tex_type3_pdf(path, OT1_PAGES)
    text = load_pdf(path).text
    assert "The first significance test of the effect, done with sangæ firoid and a manœuvre." in text


def test_highlights_find_a_quote_with_ligatures(tmp_path: Path) -> None:
    path = tmp_path / "t1.pdf"
    make_tex_type3_pdf(path, T1_PAGES)
    pages = read_pages(path, [1, 2])
    assert "thefirstsignificancetestoftheeffect" in pages[0].stream
    placements = locate(pages, "the method offers a flexible way")
    assert [p.page for p in placements] == [2] and len(placements[0].rects) == 1


def test_codes_of_fonts_without_evidence_or_with_a_tounicode_map_are_kept() -> None:
    encodings = FontEncodings()
    line = "signi\x1ccance and 12\x1534"
    encodings.observe(line, [None] * len(line))  # a font with a ToUnicode map: never decoded
    assert encodings.decode(line, [None] * len(line)) == line
    lone = "12\x1534 and \x10x"  # codes of a font that never drew a ligature: no evidence of an encoding
    encodings.observe(lone, ["math"] * len(lone))
    assert encodings.decode(lone, ["math"] * len(lone)) == lone


def test_glyph_names_win_over_a_tounicode_map_that_contradicts_them(tmp_path: Path) -> None:
    path = tmp_path / "greek.pdf"
    line = b"the cluster correlation \x1a and the slope \x0c of model a."
    ascii_codes = {byte: chr(byte) for byte in line if byte >= 0x20}
    # as in the sandwich vignette's LMMathItalic: /rho read as "Ä", /beta as "´"; a math italic "𝑎" is kept
    wrong = {**ascii_codes, 0x1A: "Ä", 0x0C: "´", ord("a"): "𝑎"}
    make_tex_type3_pdf(path, [[line]], names={0x1A: "rho", 0x0C: "beta", ord("a"): "a"}, to_unicode=wrong)
    text = load_pdf(path).text
    assert "the cluster correlation ρ and the slope β of model a." in text


@pytest.mark.skipif(not present(), reason="held-out PDFs not fetched (make heldout-pdfs); CI does not fetch them")
def test_strucchange_vignette_keeps_its_ligatures() -> None:
    (path,) = [p for p in pdf_paths() if p.name == "strucchange-intro.pdf"]
    text = load_pdf(path).text
    assert "generalized fluctuation test framework" in text
    assert "Significance testing" in text
    assert re.findall(r"\b(?:uctuation|Signicance|coecients|rst|dierences)\b", text) == []
