"""Line-level clean-up: Unicode normalisation and removal of running headers, footers and page numbers.

Why: ligature glyphs ("ﬁ") and LaTeX's spacing accents ("Teˇsanovi´c") break exact-match search,
and a running header repeated on every page would otherwise be glued into passages mid-sentence.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import replace

from ingest.pdf.extract import Line

# Compatibility decompositions that only change the glyph, never the meaning: ligatures (ﬁ), no-break
# and typographic spaces, full/half-width forms, math-alphanumeric letters (𝑥). Super/subscripts,
# fractions and circled numbers keep their compatibility form (NFKC would turn x² into x2).
_SAFE_TAGS = ("<compat>", "<noBreak>", "<wide>", "<narrow>", "<font>")
_KEEP_COMPAT = set("…‥′″‴")  # NFKC would expand these into several characters or change meaning

# LaTeX draws accents as separate spacing glyphs before the letter: map them to combining marks.
_SPACING_ACCENTS = {
    "ˇ": "\u030c",
    "´": "\u0301",
    "`": "\u0300",
    "¨": "\u0308",
    "˜": "\u0303",
    "^": "\u0302",
    "¸": "\u0327",
    "˘": "\u0306",
    "˙": "\u0307",
    "˚": "\u030a",
    "˝": "\u030b",
    "¯": "\u0304",
}
_ACCENT_RE = re.compile("([" + re.escape("".join(_SPACING_ACCENTS)) + r"])\s?([A-Za-zıȷ])")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200b\u202f\u205f\u3000]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ufffe\uffff\u00ad]")

_PAGE_NUMBER = re.compile(
    r"^(?:page\s+)?[-–—(\[]?\s*(?:\d{1,4}|[ivxlcdm]{1,7})\s*[-–—)\]]?(?:\s*(?:/|of)\s*\d{1,4})?$", re.IGNORECASE
)
ARXIV_STAMP = re.compile(
    r"^\s*arXiv:\s*(\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(v\d+)?\s+\[[^\]]+\]\s+\d{1,2}\s+\w{3}\s+\d{4}\s*$"
)


def _normalise_char(ch: str) -> str:
    if ch.isascii() or ch in _KEEP_COMPAT or ch in _SPACING_ACCENTS:
        return ch
    decomposition = unicodedata.decomposition(ch)
    if decomposition.startswith(_SAFE_TAGS):
        return unicodedata.normalize("NFKC", ch)
    return ch


def _compose_accent(match: re.Match[str]) -> str:
    letter = {"ı": "i", "ȷ": "j"}.get(match.group(2), match.group(2))
    composed = unicodedata.normalize("NFC", letter + _SPACING_ACCENTS[match.group(1)])
    return composed if len(composed) == 1 else match.group(0)


def normalise_text(text: str) -> str:
    """Ligatures and look-alike forms to plain letters, accents composed, whitespace collapsed."""
    text = _CONTROL.sub("", text)
    text = _ACCENT_RE.sub(_compose_accent, text)
    text = "".join(_normalise_char(ch) for ch in text)
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", text).strip()


def normalise_lines(pages: list[list[Line]]) -> list[list[Line]]:
    out: list[list[Line]] = []
    for lines in pages:
        kept = []
        for line in lines:
            text = normalise_text(line.text)
            if text:
                lead = normalise_text(line.lead) if line.lead else ""
                kept.append(replace(line, text=text, lead=lead) if (text, lead) != (line.text, line.lead) else line)
        out.append(kept)
    return out


# A manuscript's line numbers (review copies, accepted manuscripts, preprints): drawn in the margin after the
# text, they are read as a number ending the line beside them, or as a line of their own beside a blank one.
# (A number opening each line is not taken for one: a numbered table's rows read so, "1 the return flag; …".)
_TRAILING_NUMBER = re.compile(r"\s(\d{1,5})$")
_ONLY_NUMBER = re.compile(r"^\d{1,5}$")
_MIN_NUMBERED = 8  # lines in a run of line numbers on a page, and at least half of the page's lines


def _numbering(lines: list[Line]) -> list[tuple[int, int]]:
    """(line index, number) of the page's longest run of numbers, in reading order, going up by one or two
    (a line whose number was lost in between): the line numbers, if they are what the run is."""
    found = []
    for i, line in enumerate(lines):
        m = _TRAILING_NUMBER.search(line.text) or _ONLY_NUMBER.match(line.text)
        if m:
            found.append((i, int(m.group(m.lastindex or 0))))
    best: list[tuple[int, int]] = []
    run: list[tuple[int, int]] = []
    for item in found:
        run = [*run, item] if run and 1 <= item[1] - run[-1][1] <= 2 else [item]
        if len(run) > len(best):
            best = run
    return best


def drop_line_numbers(pages: list[list[Line]]) -> list[list[Line]]:
    """Remove a manuscript's line numbers: on a page, a run of at least `_MIN_NUMBERED` numbers going up one
    by one down the page, ending at least half of its lines. Left in, "… non-union 26 (3mm) using
    this model. 27" is what a quote would show."""
    out = []
    for lines in pages:
        run = _numbering(lines)
        if len(run) < max(_MIN_NUMBERED, len(lines) / 2):
            out.append(lines)
            continue
        numbered = {i for i, _ in run}
        kept = []
        for i, line in enumerate(lines):
            if i not in numbered:
                kept.append(line)
            elif not _ONLY_NUMBER.match(line.text):  # a number alone numbers a blank line: it goes
                kept.append(replace(line, text=_TRAILING_NUMBER.sub("", line.text), words=line.words[:-1]))
        out.append(kept)
    return out


def _signature(text: str) -> str:
    """Case, digits and a page number at either end do not make a running header differ between pages."""
    text = re.sub(r"\s+", " ", text.lower()).strip()
    text = re.sub(r"^\d{1,4}\s+|\s+\d{1,4}$", "", text)
    return re.sub(r"\d+", "#", text)


def _margin_lines(lines: list[Line], depth: int = 2) -> set[int]:
    """Indexes of the lines that can be headers/footers: first/last in stream order, top/bottom by y."""
    n = len(lines)
    picked = set(range(min(depth, n))) | set(range(max(0, n - depth), n))
    if n:
        by_y = sorted(range(n), key=lambda i: lines[i].y)
        picked |= set(by_y[:depth]) | set(by_y[-depth:])
    return picked


def is_page_number(text: str) -> bool:
    return bool(_PAGE_NUMBER.match(text.strip()))


def _slot(line: Line) -> tuple[int, float, bool]:
    return round(line.y), line.size, line.bold


def drop_running_lines(pages: list[list[Line]]) -> list[list[Line]]:
    """Remove page numbers and lines that repeat (modulo page numbers) in the margins of several pages.

    A margin line drawn at the same height and in the same font as repeated running lines elsewhere
    is a running line too, even when its own text occurs once (the header of a two-page chapter).
    """
    n_pages = len(pages)
    # Keyed by text modulo page numbers *and* height: running lines sit at a fixed place on the page.
    counts: Counter[tuple[str, int]] = Counter()
    same: Counter[tuple[str, int]] = Counter()  # … and by the very text ("Definition 11" is not "Definition 12")
    for lines in pages:
        if len(lines) >= 3:
            counts.update({(_signature(lines[i].text), round(lines[i].y / 3)) for i in _margin_lines(lines)})
            same.update({(lines[i].text.lower(), round(lines[i].y / 3)) for i in _margin_lines(lines)})
    min_repeats = 3 if n_pages >= 5 else 2

    def running(line: Line) -> bool:
        signature = _signature(line.text)
        repeats = counts[(signature, round(line.y / 3))]
        return is_page_number(line.text) or (repeats >= min_repeats and len(signature) > 1)

    def on_most_pages(line: Line) -> bool:
        """The very same text at the same place on most pages: a running line or a watermark ("ACCEPTED
        MANUSCRIPT") whatever its size, and however close it sits to the text."""
        repeats = same[(line.text.lower(), round(line.y / 3))]
        return len(_signature(line.text)) > 1 and repeats >= max(min_repeats, n_pages / 2)

    # A height where other text sits on more pages than the repeated text is a row of the text block (the
    # first line of body text, a table's column names printed on a few pages): running lines are outside it.
    repeated: Counter[int] = Counter()
    other: Counter[int] = Counter()
    for lines in pages:
        if len(lines) >= 3:
            for i in _margin_lines(lines):
                (repeated if running(lines[i]) else other)[round(lines[i].y / 3)] += 1

    def in_margin(line: Line) -> bool:
        return other[round(line.y / 3)] <= repeated[round(line.y / 3)]

    slots: Counter[tuple[int, float, bool]] = Counter()
    for lines in pages:
        if len(lines) >= 3:
            slots.update(_slot(lines[i]) for i in _margin_lines(lines) if running(lines[i]) and in_margin(lines[i]))
    sizes: Counter[float] = Counter()
    for lines in pages:
        sizes.update({ln.size: len(ln.text) for ln in lines})
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    out: list[list[Line]] = []
    for lines in pages:
        margin = _margin_lines(lines) if len(lines) >= 2 and n_pages > 1 else set()
        # not a chapter heading repeated by the header (nor a heading "x" that reads as page number ten)
        plain = {i for i in margin if not (body > 0 and lines[i].size > body + 0.9)}
        repeated_lines = {
            i for i in plain if (running(lines[i]) or slots[_slot(lines[i])] >= min_repeats) and in_margin(lines[i])
        }
        dropped = {i for i in plain if is_page_number(lines[i].text)}
        dropped |= repeated_lines - _in_text_block(lines, repeated_lines | dropped)
        dropped |= {i for i in margin if on_most_pages(lines[i]) and in_margin(lines[i])}
        out.append([ln for i, ln in enumerate(lines) if i not in dropped and not ARXIV_STAMP.match(ln.text)])
    return out


# A running header or footer is set apart from the text block by more than a line's spacing (body lines
# sit ~1.2 sizes apart, headers 2.3+ in the papers measured): a repeated line closer than this to the text
# is part of it ("Definition 20" opening a page of a book whose theorems are numbered per chapter).
_TEXT_BLOCK_GAP = 1.5


def _in_text_block(lines: list[Line], candidates: set[int]) -> set[int]:
    """The candidates that sit at line spacing from the page's other text, on the side of the text block."""
    others = [ln.y for i, ln in enumerate(lines) if i not in candidates]
    if not others:
        return set()
    middle = (min(ln.y for ln in lines) + max(ln.y for ln in lines)) / 2
    inside = set()
    for i in candidates:
        line = lines[i]
        toward = (
            [line.y - y for y in others if y < line.y - 0.5]
            if line.y > middle
            else [y - line.y for y in others if y > line.y + 0.5]
        )
        if toward and min(toward) < _TEXT_BLOCK_GAP * max(line.size, 1.0):
            inside.add(i)
    return inside
