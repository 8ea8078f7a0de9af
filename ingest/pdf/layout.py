"""Lines → one text of reflowed paragraphs, with page and section offsets.

A paragraph ends where a reader sees one end: a larger vertical gap, a short last line ending a
sentence, an indented next line, a change of font size, or a heading. Lines inside a paragraph are
joined into one line; a word hyphenated at a line end is rejoined unless the document itself
spells it with a hyphen elsewhere ("state-of-the-art" stays, "recog- nition" becomes "recognition").
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter
from dataclasses import dataclass, field

from ingest.pdf.extract import FLOAT_KINDS, Line
from ingest.pdf.structure import (
    MAX_HEADING_LINES,
    REFERENCE_NAMES,
    Heading,
    HeadingDetector,
    big_heading,
    continues_heading,
    run_in_heading,
    stands_alone,
)

_TERMINAL = re.compile(r"[.!?:;\"”’)\]]\s*(?:\d{1,2}|\[\d+\])?$")
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_NUMBERED_REF = re.compile(r"^\[(\d{1,4})\]")
_PLAIN_NUMBERED_REF = re.compile(r"^(\d{1,4})\.?\s+\S")
HYPHENS = ("-", "\u2010")


@dataclass
class Assembled:
    text: str
    page_starts: list[int]
    sections: list[tuple[str, int, str]]  # (title, start offset, kind)
    references_count: int = 0
    front_paragraphs: list[str] = field(default_factory=list)  # paragraphs before the first heading


@dataclass
class _PageStats:
    gap: float  # typical distance between consecutive baselines
    length: float  # typical line length in characters
    edges: list[float]  # each line's column left edge (for hanging indents)


def _stats(lines: list[Line], body: float) -> _PageStats:
    gaps = [a.y - b.y for a, b in itertools.pairwise(lines) if 0.5 * max(a.size, 1) < a.y - b.y < 2.5 * max(a.size, 1)]
    lengths = [len(ln.text) for ln in lines if len(ln.text) > 10 and (body <= 0 or abs(ln.size - body) < 1.0)]
    xs = [ln.x for ln in lines]
    edges = [min((x2 for x2 in xs if x - 30 <= x2 <= x), default=x) for x in xs]
    return _PageStats(
        gap=statistics.median(gaps) if gaps else 0.0,
        length=statistics.median(lengths) if lengths else 60.0,
        edges=edges,
    )


def build_vocabulary(pages: list[list[Line]]) -> Counter[str]:
    """Words as the document spells them inside lines (not at a line-end hyphen)."""
    vocab: Counter[str] = Counter()
    for lines in pages:
        for line in lines:
            words = _WORD.findall(line.text.lower())
            if words and line.text.rstrip().endswith(HYPHENS):
                words = words[:-1]
            vocab.update(words)
            for word in words:
                if "-" in word:
                    vocab.update(word.split("-"))
    return vocab


def join_hyphenated(before: str, after: str, vocab: Counter[str]) -> bool:
    """True when "before-" + "after" is one hyphenated word to rejoin without the hyphen."""
    head = _WORD.findall(before[:-1].lower()[-60:])
    tail = _WORD.findall(after.lower()[:60])
    if not head or not tail or not before[-2:-1].isalpha() or not after[:1].islower():
        return False
    first, second = head[-1], tail[0].split("-")[0]
    if before[:-1].lower().endswith(first) and "-" in first:
        return False  # "state-of-the-" + "art": a compound already
    joined, compound = first + second, f"{first}-{second}"
    return vocab[compound] <= vocab[joined]  # the document's own spelling decides; default: rejoin


class _Writer:
    """Appends text while tracking offsets, so page and section starts are exact."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0
        self.open = False  # inside a paragraph

    def write(self, text: str) -> None:
        self.parts.append(text)
        self.pos += len(text)

    def unwrite_last_char(self) -> None:
        self.parts[-1] = self.parts[-1][:-1]
        self.pos -= 1

    def new_paragraph(self) -> None:
        if self.pos:
            self.write("\n\n")
        self.open = True


def assemble(pages: list[list[Line]], detector: HeadingDetector, skip: int = 0) -> Assembled:
    """Walk all lines once in reading order; `skip` leading lines of page 1 (the title) are never headings."""
    vocab = build_vocabulary(pages)
    out = _Writer()
    page_starts: list[int] = []
    sections: list[tuple[str, int, str]] = []
    front: list[str] = []
    kind = "body"
    references = 0
    last_ref_number = 0
    prev: Line | None = None
    prev_stats: _PageStats | None = None
    para_start = 0
    references_at = implicit_references(pages, detector.body)
    float_group: str | None = None  # the table/figure being written, if any

    def end_paragraph() -> None:
        if not sections and out.open:
            front.append("".join(out.parts)[para_start:].strip())

    for page_index, lines in enumerate(pages):
        stats = _stats(lines, detector.body)
        page_marked = False
        # pypdf gives an embedded figure's text in the figure's own coordinates: its big type is no heading.
        foreign = any(ln.outside for ln in lines)
        i = 0
        while i < len(lines):
            line = lines[i]
            heading: Heading | None = None
            figure = line.outside or (foreign and line.size > 1.6 * detector.body)
            fresh = False
            if line.role:  # a table row or a caption: a paragraph of its own, in the float's own section
                end_paragraph()
                out.new_paragraph()
                if not page_marked:
                    page_starts.append(out.pos)
                    page_marked = True
                if line.group != float_group:
                    float_group = line.group
                    sections.append((line.group, out.pos, line.role))
                out.write(line.text.strip())
                out.open, prev = False, None
                i += 1
                continue
            if float_group is not None:  # back to the text the float interrupted, in its section
                float_group = None
                title, kind = next(((t, k) for t, _, k in reversed(sections) if k not in FLOAT_KINDS), ("", "body"))
                end_paragraph()
                out.new_paragraph()
                para_start, fresh = out.pos, True
                sections.append((title, out.pos, kind))
            if (page_index, i) == references_at:
                # A reference list without a heading: its section starts at its first entry.
                end_paragraph()
                out.new_paragraph()
                para_start, kind, fresh = out.pos, "references", True
                references += 1
                sections.append(("References", out.pos, kind))
            elif not (page_index == 0 and i < skip) and not figure:
                heading = detector.classify(line)
                after = lines[i + 1 : i + 1 + MAX_HEADING_LINES]
                if heading is None and page_index > 0 and big_heading(line, detector, after):
                    heading = Heading(line.text.strip(), "body", 1)
            if heading is not None:
                title_lines = [line]
                while (
                    i + len(title_lines) < len(lines)
                    and len(title_lines) < MAX_HEADING_LINES
                    and heading.kind == "body"
                    and continues_heading(title_lines[-1], lines[i + len(title_lines)], detector)
                ):
                    title_lines.append(lines[i + len(title_lines)])
                title = " ".join(ln.text.strip() for ln in title_lines)
                end_paragraph()
                out.new_paragraph()
                if not page_marked:
                    page_starts.append(out.pos)
                    page_marked = True
                kind = heading.kind
                sections.append((title, out.pos, kind))
                out.write(title)
                out.open = False  # the heading is a paragraph of its own
                prev = None
                i += len(title_lines)
                continue

            text = line.text.strip()
            opens = fresh
            if fresh:
                pass
            elif not out.open or prev is None or _breaks(prev, line, prev_stats, stats, i, kind, last_ref_number):
                end_paragraph()
                out.new_paragraph()
                para_start, opens = out.pos, True
                if kind == "references":
                    references += 1
            elif prev.text.rstrip().endswith(HYPHENS) and join_hyphenated(prev.text.rstrip(), text, vocab):
                out.unwrite_last_char()
            elif not prev.text.rstrip().endswith(HYPHENS):
                out.write(" ")
            if kind == "references":
                match = _NUMBERED_REF.match(text) or _PLAIN_NUMBERED_REF.match(text)
                if match and int(match.group(1)) == last_ref_number + 1:
                    last_ref_number += 1
            if not page_marked:
                page_starts.append(out.pos)
                page_marked = True
            heads = opens and kind != "references"  # a paragraph's first line may carry or be its heading
            if heads and (lead := run_in_heading(line)):
                out.write(lead)  # a paragraph of its own: no sentence quoted from the text starts with it
                out.new_paragraph()
                text = text[len(lead) :].lstrip()
            out.write(text)
            prev, prev_stats = line, stats
            if heads and stands_alone(line, lines[i + 1] if i + 1 < len(lines) else None, detector):
                out.open, prev = False, None  # a subheading: the text below it is a paragraph of its own
            i += 1
        if not page_marked:
            page_starts.append(out.pos)
    end_paragraph()
    text = "".join(out.parts)
    return Assembled(text, page_starts, sections, references, front)


def implicit_references(pages: list[list[Line]], body: float) -> tuple[int, int] | None:
    """Where a reference list without a heading starts (physics papers): lines "1 A. Author, ..." numbered
    1, 2, 3, ... in small type after the body text. None when a References heading exists or no such run."""
    flat = [(p, i, ln) for p, lines in enumerate(pages) for i, ln in enumerate(lines)]
    if any(ln.text.strip().rstrip(".:").lower() in REFERENCE_NAMES for _, _, ln in flat):
        return None
    start = int(len(flat) * 0.5)
    for k in range(start, len(flat)):
        p, i, ln = flat[k]
        match = _NUMBERED_REF.match(ln.text) or _PLAIN_NUMBERED_REF.match(ln.text)
        if not match or match.group(1) != "1" or (body and ln.size > body):
            continue
        expected = 2
        for _, _, later in flat[k + 1 : k + 60]:
            nxt = _NUMBERED_REF.match(later.text) or _PLAIN_NUMBERED_REF.match(later.text)
            if nxt and int(nxt.group(1)) == expected:
                expected += 1
        if expected >= 6:
            return p, i
    return None


def _breaks(
    prev: Line,
    line: Line,
    prev_stats: _PageStats | None,
    stats: _PageStats,
    index: int,
    kind: str,
    last_ref_number: int,
) -> bool:
    prev_text = prev.text.rstrip()
    if kind == "references":
        return _reference_starts(prev, line, stats, index, last_ref_number)
    if abs(line.size - prev.size) > 1.5 and prev.size > 0 and line.size > 0:
        return True
    terminal = bool(_TERMINAL.search(prev_text))
    length = (prev_stats or stats).length
    if terminal and len(prev_text) < 0.8 * length:
        return True
    if prev.page != line.page:
        return False
    dy = prev.y - line.y
    if stats.gap > 0 and dy > 1.45 * stats.gap and dy < 6 * stats.gap:
        return True
    # The first-line indent of a new paragraph.
    return terminal and 0.8 * line.size < line.x - prev.x < 40 and 0 < dy < 2 * max(stats.gap, 1.0)


def _reference_starts(prev: Line, line: Line, stats: _PageStats, index: int, last_ref_number: int) -> bool:
    """Inside a reference list only the list's own style separates entries: the next number ("[7]",
    "7."), else a hanging indent (entries start at the column edge, continuations are indented),
    else a blank gap. Short lines ending with a period are common inside entries and mean nothing."""
    text = line.text.strip()
    match = _NUMBERED_REF.match(text) or _PLAIN_NUMBERED_REF.match(text)
    if last_ref_number > 0 or (match and match.group(1) == "1"):
        return bool(match) and int(match.group(1)) == last_ref_number + 1
    at_edge = line.x <= stats.edges[index] + 1.5
    if prev.page == line.page and abs(prev.x - line.x) < 30:
        if at_edge and prev.x > line.x + 3:
            return True
        dy = prev.y - line.y
        return at_edge and stats.gap > 0 and 1.3 * stats.gap < dy < 6 * stats.gap
    return at_edge and not line.text[:1].islower()
