"""Generate small PDFs with known text at test time (fpdf2), recording where each sentence was drawn.

The recorded page and section of every sentence is the ground truth the PDF tests check provenance
against, so no fixture PDF has to be committed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from fpdf import FPDF

DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
DEJAVU_BOLD = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
HEADER = "Journal of Synthetic Testing, Vol. 7"
TITLE = "Provenance Tracking for Synthetic Research Papers"
AUTHORS = ["Ada Lovelace", "Alan Turing"]


@dataclass
class Layout:
    """What the generator drew: sentence -> (page, section title); plus special probes."""

    sentences: dict[str, tuple[int, str]] = field(default_factory=dict)
    pages: int = 0
    unicode_font: bool = False


def _sentences(topic: str, count: int) -> list[str]:
    return [f"The {topic} passage sentence {k} describes one detail of the {topic} part." for k in range(count)]


class _Doc(FPDF):
    def __init__(self, unicode_font: bool) -> None:
        super().__init__(format="A4")
        self.set_auto_page_break(False)
        self.set_margins(20, 20, 20)
        self.family = "Helvetica"
        if unicode_font:
            self.add_font("DejaVu", "", str(DEJAVU))
            self.add_font("DejaVu", "B", str(DEJAVU_BOLD))
            self.family = "DejaVu"

    def header(self) -> None:
        self.set_font(self.family, "", 8)
        self.set_xy(20, 8)
        self.cell(0, 5, f"{HEADER}    {self.page_no()}")

    def footer(self) -> None:
        self.set_font(self.family, "", 8)
        self.set_xy(20, 285)
        self.cell(0, 5, f"Page {self.page_no()}", align="C")


def make_paper_pdf(path: Path, *, arxiv_id: str | None = None, heading_size: float = 13) -> Layout:
    """A 4-page two-level-numbered paper: Abstract, 1 Introduction, 2 Method, 2.1 Training, 3 Results,
    References (4 entries), A Details. Lines are placed explicitly so the line breaks are known. Headings
    are bold, at `heading_size` (11: the body's size, told from it by weight alone)."""
    unicode_font = DEJAVU.exists() and DEJAVU_BOLD.exists()
    pdf = _Doc(unicode_font)
    layout = Layout(unicode_font=unicode_font)
    state = {"section": ""}

    def line(text: str, size: float = 11, bold: bool = False, gap: float = 5.5) -> None:
        pdf.set_font(pdf.family, "B" if bold else "", size)
        pdf.set_x(20)
        pdf.cell(0, gap, text, new_x="LMARGIN", new_y="NEXT")

    def heading(text: str) -> None:
        pdf.ln(4)
        line(text, heading_size, True, 7)
        state["section"] = text

    def paragraph(sentences: list[str], per_line: int = 1) -> None:
        for sentence in sentences:
            layout.sentences[sentence] = (pdf.page_no(), state["section"])
        for k in range(0, len(sentences), per_line):
            line(" ".join(sentences[k : k + per_line]))
        pdf.ln(4)

    pdf.add_page()
    pdf.set_y(22)
    line(TITLE, 18, True, 9)
    line(", ".join(AUTHORS), 11, False, 6)
    if arxiv_id:
        line(f"arXiv:{arxiv_id} [cs.CL] 4 Jan 2021", 9)
    heading("Abstract")
    state["section"] = "Abstract"
    paragraph(_sentences("abstract", 3))
    heading("1 Introduction")
    paragraph(_sentences("introduction", 6))
    # A word hyphenated across a line break, and (with a Unicode font) a ligature glyph.
    line("Automatic pattern recog-")
    line("nition of headings is the first probe sentence here.")
    if unicode_font:
        line("The e\ufb03cient \ufb01ltering of \ufb02oating text is the ligature probe.")
    pdf.ln(4)
    # A paragraph that starts on page 1 and continues on page 2.
    spill = _sentences("spillover", 3)
    for sentence in spill[:2]:
        layout.sentences[sentence] = (1, state["section"])
        line(sentence)
    pdf.add_page()
    pdf.set_y(22)
    layout.sentences[spill[2]] = (2, state["section"])
    line(spill[2])
    pdf.ln(4)
    heading("2 Method")
    paragraph(_sentences("method", 8))
    heading("2.1 Training")
    paragraph(_sentences("training", 8))
    pdf.add_page()
    pdf.set_y(22)
    heading("3 Results")
    paragraph(_sentences("results", 10))
    heading("References")
    for k, (first, second) in enumerate(
        [
            ("[1] A. Lovelace. Notes on the analytical engine. Scientific Memoirs,", "3:666-731, 1843."),
            ("[2] A. Turing. On computable numbers. Proceedings of the London", "Mathematical Society, 1936."),
            ("[3] C. Shannon. A mathematical theory of communication. Bell System", "Technical Journal, 1948."),
            ("[4] N. Wiener. Cybernetics. MIT Press, 1948.", ""),
        ]
    ):
        line(first, 10)
        if second:
            pdf.set_x(26)
            pdf.set_font(pdf.family, "", 10)
            pdf.cell(0, 5, second, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        del k
    pdf.add_page()
    pdf.set_y(22)
    heading("A Details")
    paragraph(_sentences("appendix", 6))
    layout.pages = pdf.page_no()
    pdf.output(str(path))
    return layout


def make_blank_pdf(path: Path) -> None:
    """A page with a drawing but no text layer: what a scanned page looks like to a text extractor."""
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 100, 60, style="F")
    pdf.output(str(path))


def make_long_pdf(path: Path, pages: int) -> None:
    """Many simple pages for progress-callback and memory checks."""
    pdf = FPDF()
    pdf.set_auto_page_break(False)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", "", 11)
        for k in range(5):
            pdf.set_xy(20, 30 + 8 * k)
            tag = hashlib.sha1(f"{number}-{k}".encode()).hexdigest()[:8]  # no two lines alike, as in a book
            pdf.cell(0, 6, f"Sheet {number} row {k} ({tag}) carries some ordinary body text for the test.")
    pdf.output(str(path))


def _pdf_string(data: bytes) -> bytes:
    """A PDF literal string of raw codes: every byte octal-escaped, so control codes pass unchanged."""
    return b"(" + b"".join(b"\\%03o" % byte for byte in data) + b")"


def make_tex_type3_pdf(
    path: Path, pages: list[list[bytes]], names: dict[int, str] | None = None, to_unicode: dict[int, str] | None = None
) -> None:
    """A PDF drawn as dvips + Ghostscript draw TeX's bitmap fonts: one Type3 font whose glyphs are named by
    their codes ("/a28") and which has no ToUnicode map, so extractors return the raw codes of `pages`' lines
    (TeX's T1 or OT1 codes: b"signi\\x1ccance"). Each glyph is a filled box, so PDFium finds it too.
    `names` gives some codes a glyph name instead ({0x1A: "rho"}); `to_unicode` adds a ToUnicode map."""
    codes = sorted({byte for lines in pages for line in lines for byte in line})
    glyphs = {code: (names or {}).get(code, f"a{code}").encode() for code in codes}
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    def stream(data: bytes) -> bytes:
        return b"<< /Length %d >>\nstream\n%s\nendstream" % (len(data), data)

    procs = {code: add(stream(b"500 0 0 0 450 700 d1 20 0 410 680 re f")) for code in codes}
    char_procs = b" ".join(b"/%s %d 0 R" % (glyphs[code], ref) for code, ref in procs.items())
    differences = b" ".join(b"%d /%s" % (code, glyphs[code]) for code in codes)
    cmap = b""
    if to_unicode:
        utf16 = {code: ch.encode("utf-16-be").hex().encode() for code, ch in to_unicode.items()}
        pairs = b"\n".join(b"<%02x> <%s>" % (code, hexed) for code, hexed in sorted(utf16.items()))
        cmap = b" /ToUnicode %d 0 R" % add(
            stream(
                b"/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /T def /CMapType 2 def\n"
                b"1 begincodespacerange <00> <ff> endcodespacerange\n%d beginbfchar\n%s\nendbfchar\n"
                b"endcmap CMapName currentdict /CMap defineresource pop end end" % (len(to_unicode), pairs)
            )
        )
    widths = b" ".join(b"500" for _ in range(codes[0], codes[-1] + 1))
    font = add(
        b"<< /Type /Font /Subtype /Type3 /FontBBox [0 0 500 700] /FontMatrix [0.001 0 0 0.001 0 0]"
        b" /CharProcs << %s >> /Encoding << /Type /Encoding /Differences [%s] >>"
        b" /FirstChar %d /LastChar %d /Widths [%s] /Resources << >>%s >>"
        % (char_procs, differences, codes[0], codes[-1], widths, cmap)
    )
    page_refs = []
    parent = len(objects) + 2 * len(pages) + 1  # the Pages object comes after every page and its content
    for lines in pages:
        text = b"".join(b"1 0 0 1 72 %d Tm %s Tj\n" % (760 - 16 * k, _pdf_string(ln)) for k, ln in enumerate(lines))
        content = add(stream(b"BT /T1 11 Tf\n" + text + b"ET"))
        page_refs.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R"
                b" /Resources << /Font << /T1 %d 0 R >> >> >>" % (parent, content, font)
            )
        )
    kids = b" ".join(b"%d 0 R" % ref for ref in page_refs)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_refs))) == parent
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % parent)
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, catalog, xref)
    path.write_bytes(bytes(out))


def make_header_at_body_size_pdf(path: Path, pages: int, first_lines: dict[int, str]) -> None:
    """`pages` pages whose running header is set in the body's font and size, with each page's first body
    line at the same height: `first_lines[n]` on page n (1-based), else a sentence of its own."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_font("Helvetica", "", 11)
    for number in range(1, pages + 1):
        pdf.add_page()
        pdf.set_xy(20, 12)
        pdf.cell(0, 6, f"{number}    Journal of Repeated Headers: A Study of Margins")
        tag = hashlib.sha1(str(number).encode()).hexdigest()[:8]  # no two pages' lines alike modulo numbers
        first = first_lines.get(number, f"A page opens with the sentence {tag} that no other page repeats.")
        rows = [first] + [f"Body line {k} of the page {tag} continues the argument." for k in range(8)]
        for k, row in enumerate(rows):
            pdf.set_xy(20, 30 + 5 * k)  # 14 pt apart: a body's line spacing for an 11 pt font
            pdf.cell(0, 5, row)
    pdf.output(str(path))


SECTIONED_HEADINGS = [
    "1. Introduction",
    "2. Combining the package with others",
    "2.1. strucchange: Empirical fluctuation processes",
    "2.2. timeDate/fCalendar: Indexes of class timeDate",
    "2.3. The classes yearmon and yearqtr",
]


def make_sectioned_pdf(path: Path) -> None:
    """A one-page software paper: an "Abstract" label set smaller than the body and not bold (as some
    journal styles set it), then bold numbered headings, some starting with a package name in lower case,
    and a bold numbered line that is a sentence, not a heading ("3. we then ...")."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    y = 20.0

    def line(text: str, size: float, style: str = "", x: float = 20) -> None:
        nonlocal y
        pdf.set_font("Helvetica", style, size)
        pdf.set_xy(x, y)
        pdf.cell(0, size * 0.45, text)
        y += size * 0.5

    line("A Package for Indexed Observations", 17, "B")
    line("Ada Lovelace   Alan Turing", 12)
    y += 4
    line("Abstract", 9, x=95)
    for k in range(3):
        line(f"The abstract sentence {k} says what the package offers to its users today.", 9)
    y += 4
    body = "Body text of this part explains one more detail of the package in plain words."
    for heading in SECTIONED_HEADINGS:
        line(heading, 14 if heading.count(".") == 1 else 12, "B")
        for _ in range(3):
            line(body, 11)
    line("3. we then fit the model to the data", 11, "B")
    line(body, 11)
    pdf.output(str(path))


MANUSCRIPT_STAMP = "ACCEPTED MANUSCRIPT"


def make_numbered_manuscript_pdf(path: Path, pages: int = 4, paragraphs: int = 7) -> list[str]:
    """An accepted manuscript as publishers post it: every page stamped "ACCEPTED MANUSCRIPT" at the top, set
    at line spacing from the text, and across the page in 48-point letters, and every line numbered in the
    margin (drawn after the line, so read as its last word; the blank line after a paragraph has its number
    alone). Returns the body's sentences, each broken over two lines."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    sentences, number = [], 1
    for page in range(1, pages + 1):
        pdf.add_page()
        pdf.set_font("Helvetica", "", 48)
        with pdf.rotation(55, 105, 150):
            pdf.text(40, 150, "ACCEPTED")
            pdf.text(60, 175, "MANUSCRIPT")
        pdf.set_font("Helvetica", "", 12)
        pdf.text(80, 14, MANUSCRIPT_STAMP)
        for k in range(paragraphs):
            tag = hashlib.sha1(f"{page}-{k}".encode()).hexdigest()[:6]
            halves = [f"The healing of gap {tag} was scored", f"on the {tag} radiographs at week {page + k}."]
            sentences.append(" ".join(halves))
            for row, text in enumerate([*halves, ""]):
                y = 19 + 12 * (3 * k + row)
                if text:
                    pdf.text(25, y, text)
                pdf.text(190, y, str(number))
                number += 1
    pdf.output(str(path))
    return sentences


def make_run_in_headings_pdf(path: Path) -> None:
    """One page of paragraphs as ACL-style papers set them: some open with a bold run-in heading on their first
    line ("Reward Design We conduct …", "Datasets. We use …"), one with more bold than the rest of its line;
    one is headed by an unnumbered subheading in a smaller italic on its own line; one has a bold word opening a
    line inside it, and one opens with a bold word that the sentence goes on from ("PaSa outperforms …")."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    pdf.add_page()
    paragraphs = [
        (
            "Reward Design",
            " We conduct RL training on the query set, where each instance pairs a query",
            "with the papers that answer it, and the crawler is rewarded for each one it finds.",
        ),
        (
            "Datasets.",
            " We use two benchmarks of scholarly queries written by researchers in the",
            "field, and we keep their split into training and test queries unchanged throughout.",
        ),
        (
            "PaSa",
            " outperforms every baseline on both benchmarks, by a wide margin in recall and",
            "by a smaller one in precision, which the selector controls.",
        ),
    ]
    y = 30.0
    for lead, first, second in paragraphs:
        pdf.set_xy(20, y)
        pdf.set_font("Helvetica", "B", 11)
        pdf.write(5, lead)
        pdf.set_font("Helvetica", "", 11)
        pdf.write(5, first)
        pdf.set_xy(20, y + 5)
        pdf.write(5, second)
        y += 14
    pdf.set_xy(20, y)  # a bold run-in heading longer than the rest of its line
    pdf.set_font("Helvetica", "B", 11)
    pdf.write(5, "Protocols and Utilities for Documents.")
    pdf.set_font("Helvetica", "", 11)
    pdf.write(5, " To instantiate a")
    pdf.set_xy(20, y + 5)
    pdf.write(5, "document, the library provides protocols that read a PDF into its layers.")
    y += 14
    pdf.set_xy(20, y)  # an unnumbered subheading, smaller and italic, on a line of its own
    pdf.set_font("Helvetica", "I", 10)
    pdf.write(5, "Hand opening with a rotated forearm position")
    pdf.set_font("Helvetica", "", 11)
    pdf.set_xy(20, y + 5)
    pdf.write(5, "When applying the identified optimal patterns with the forearm rotated, no")
    pdf.set_xy(20, y + 10)
    pdf.write(5, "differences were found in the extension of the fingers or of the wrist.")
    y += 19
    pdf.set_xy(20, y)  # a paragraph whose second line opens with a bold term
    pdf.set_font("Helvetica", "", 11)
    pdf.write(5, "The selector reads each candidate paper and judges whether it meets the query, and")
    pdf.set_xy(20, y + 5)
    pdf.set_font("Helvetica", "B", 11)
    pdf.write(5, "Recall")
    pdf.set_font("Helvetica", "", 11)
    pdf.write(5, " is what the crawler is trained to raise.")
    pdf.output(str(path))


SUPERSCRIPT_SENTENCES = [
    "Crossing into the brain is a critical aspect in drug development.",
    "Small molecule permeation is a classification problem.",
    "Footnotes hold the details.",
    "The index is stored as an attribute.",
    "Both parts are kept.",
    "The reactor volume was 3 m2 in total and the rate was 104 per second.",
    "We trained a random forest model and explained it, as Mehdi and Tiwary did.",
    "Topologies occur in proportion 12 and the distance is stAni2 · u2 here.",
]


def make_superscript_citations_pdf(path: Path) -> None:
    """One page whose sentences cite as chemistry journals and JSS set footnotes: a number in a smaller size
    right after a sentence's full stop, raised by a text rise (`Ts`, as fpdf2 and Word set it) or drawn higher
    by a move of its own (as TeX does), or right after a word; and what is set so but is not one: exponents
    ("3 m²", "stAni² · u²", after a word but before an operator) and a fraction's numerator (its denominator
    small too)."""
    pdf = FPDF(format="A4")
    pdf.add_page()
    pdf.set_font("Helvetica", "", 11)
    pdf.set_xy(20, 20)

    def write(text: str, superscript: bool = False) -> None:
        pdf.char_vpos = "SUP" if superscript else "LINE"
        pdf.write(6, text)

    a, b, c, d, e, *_ = SUPERSCRIPT_SENTENCES
    write(f"{a}"), write("120", True), write(f" {b} {c}"), write("2,5", True), write(" ")
    pdf.ln(10)
    y = pdf.get_y() + 5
    pdf.text(20, y, d)  # the mark drawn 3 points higher by a move of its own, in 7 points
    x = 20 + pdf.get_string_width(d)
    pdf.set_font("Helvetica", "", 7)
    pdf.text(x, y - 3 * 25.4 / 72, "3")
    pdf.set_font("Helvetica", "", 11)
    pdf.text(x + pdf.get_string_width("3") * 7 / 11 + 0.5, y, f" {e}")
    pdf.set_xy(20, y + 10)
    write("The reactor volume was 3 m"), write("2", True), write(" in total and the rate was 10"), write("4", True)
    write(" per second.")
    pdf.ln(10)
    # citations inside a sentence, after a word; a fraction's numerator and an exponent before an operator stay
    write("We trained a random forest model"), write("123", True), write(" and explained it, as Mehdi and Tiwary")
    write("90", True), write(" did.")
    pdf.ln(10)
    write("Topologies occur in proportion "), write("1", True), write("2", True), write(" and the distance is stAni")
    write("2", True), write(" · u"), write("2", True), write(" here.")
    pdf.output(str(path))


CONTENTS_ENTRIES = [("1 Introduction", 2), ("2 Results", 2), ("2.1 Setup", 2), ("Plotting the densities", 3)]


def make_vignette_with_contents_pdf(path: Path) -> None:
    """A package vignette as R's tools set it: a contents page (dot leaders, and a top-level entry without
    them), a numbered section whose subsection starts right below its heading, a plot whose title and axis
    labels are set larger than the body (as a plot device draws them) inside a paragraph, an unnumbered
    heading set large over its text, and one that wraps onto a second line in its own type."""
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(False)
    y = 20.0

    def line(text: str, size: float, style: str = "", x: float = 20, gap: float = 0.5) -> None:
        nonlocal y
        pdf.set_font("Helvetica", style, size)
        pdf.set_xy(x, y)
        pdf.cell(0, size * 0.45, text)
        y += size * gap

    body = "Body text of this part explains one more detail of the package in plain words."
    pdf.add_page()
    line("Densities for Indexed Observations", 17, "B")
    line("Ada Lovelace   Alan Turing", 12)
    y += 6
    line("Contents", 14, "B")
    for title, page in CONTENTS_ENTRIES:
        if title == "1 Introduction":
            line(f"{title}   {page}", 11, "B")
        else:
            line(f"{title} " + ". " * 30 + f"{page}", 11)
    pdf.add_page()
    y = 20.0
    line("1 Introduction", 14, "B")
    for _ in range(4):
        line(body, 11)
    line("2 Results", 14, "B")
    line("2.1 Setup", 12, "B")
    line("The setup sentence opens the results and names the settings of the runs.", 11)
    line("The plot below shows the fitted density before the paragraph goes on.", 11)
    y += 6
    line("Empirical density", 14, x=70, gap=4)  # the plot's title, its y axis label half-way down, the ticks
    line("Density", 12, x=25, gap=4)
    line("0.0 0.2 0.4 0.6 0.8", 12, x=40, gap=1.5)
    line("The paragraph interrupted by the plot goes on here and ends the setup.", 11)
    pdf.add_page()
    y = 20.0
    line("Plotting the densities", 14)
    line("The plotting sentence explains how the densities are drawn on one page.", 11)
    for _ in range(3):
        line(body, 11)
    y += 6
    line("Simulation of transitions between the", 14)
    line("states", 14)
    line("The simulation sentence says how transitions are drawn from the rates.", 11)
    line(body, 11)
    pdf.output(str(path))
