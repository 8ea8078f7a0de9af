"""Recognise the structure a reader sees: section headings, title, authors and printed identifiers.

Headings are found from text patterns ("3.2 Training", "II. METHOD", "Appendix A", "References")
confirmed by typography (bold or larger than body text) and by numbering order, which rejects
numbered list items, table rows and table-of-contents lines.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.pdf.extract import Line

REFERENCE_NAMES = {"references", "bibliography", "literature cited", "works cited", "reference", "literatur"}
ABSTRACT_NAMES = {"abstract", "summary", "zusammenfassung"}
APPENDIX_NAMES = {"appendix", "appendices", "supplementary material", "supplementary materials", "anhang"}
_NAMED = (
    REFERENCE_NAMES
    | ABSTRACT_NAMES
    | APPENDIX_NAMES
    | {
        "introduction",
        "related work",
        "related works",
        "background",
        "conclusion",
        "conclusions",
        "discussion",
        "acknowledgements",
        "acknowledgments",
        "acknowledgement",
        "acknowledgment",
        "limitations",
        "ethics statement",
        "ethical considerations",
        "broader impact",
        "broader impacts",
        "future work",
        "results",
        "methods",
        "materials and methods",
        "experiments",
        "evaluation",
        "conclusion and future work",
        "conclusions and future work",
        "preliminaries",
        "contents",
        "inhaltsverzeichnis",
        "vorwort",
        "einleitung",
    }
)
_ARABIC = re.compile(r"^(?P<num>\d{1,2}(?:\.\d{1,2}){0,3})\.?\s+(?P<title>\S.*)$")
_ROMAN = re.compile(r"^(?P<num>[IVX]{1,5})\.\s+(?P<title>\S.*)$")
_LETTER = re.compile(r"^(?P<num>[A-H](?:\.\d{1,2}){0,3})(?P<dot>\.?)\s+(?P<title>\S.*)$")
_APPENDIX = re.compile(r"^(?:appendix|anhang)\s+(?P<num>[A-H]|\d{1,2})\b[.:]?\s*(?P<title>.*)$", re.IGNORECASE)
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}
# A title may start in lower case with a name spelt so: "strucchange: Empirical ...", "timeDate/fCalendar: ...",
# "iOS apps": a word before a colon, or one with a capital inside (a sentence's first word has neither).
_LOWER_NAME = re.compile(r"^[a-z][\w./-]*:(?:\s|$)|^[a-z]+[A-Z]\w*")

ARXIV_ID = re.compile(r"arXiv:\s?(?P<id>\d{4}\.\d{4,5}|[a-z-]+(?:\.[A-Z]{2})?/\d{7})(?P<version>v\d+)?")
DOI = re.compile(r"\b(10\.\d{4,9}/[^\s\"<>]+[^\s\"<>.,;:)\]])")


@dataclass(frozen=True)
class Heading:
    title: str  # the full heading text, numbering included ("3.2 Training")
    kind: str  # "references", "abstract" or "body"
    lines: int  # how many source lines the heading spans (long headings wrap)


def body_size(pages: list[list[Line]]) -> float:
    """Font size of most characters: the yardstick for "larger than body text"."""
    weights: Counter[float] = Counter()
    for lines in pages:
        for line in lines:
            if line.size > 0:
                weights[round(line.size * 2) / 2] += len(line.text)
    return weights.most_common(1)[0][0] if weights else 0.0


def _roman(text: str) -> int:
    total, prev = 0, 0
    for ch in reversed(text):
        value = _ROMAN_VALUES[ch]
        total = total - value if value < prev else total + value
        prev = max(prev, value)
    return total


def _looks_like_title(title: str) -> bool:
    """A heading's title: short, starts with a letter, mostly letters, no sentence or TOC ending."""
    words = title.split()
    if not words or len(words) > 14 or len(title) > 110:
        return False
    if not title[0].isalpha() or not (title[0].isupper() or not title[0].isascii() or _LOWER_NAME.match(title)):
        return False
    if title.rstrip().endswith((",", ";", "=")) or re.search(r"(\.\s?){3,}\s*\d+$|\s\d{1,4}$", title):
        return False
    letters = sum(ch.isalpha() for ch in title)
    return letters >= 0.6 * len(title.replace(" ", "")) and letters >= 2


class HeadingDetector:
    """Stateful: numbering must advance like a real table of contents, and letter headings ("A Details")
    are accepted only in the appendix part (after References or an "Appendix" heading)."""

    def __init__(self, body: float, has_typography: bool) -> None:
        self.body = body
        self.has_typography = has_typography
        self.last_number: tuple[int, ...] | None = None
        self.last_letter: tuple[int, ...] | None = None
        self.appendix = False

    def emphasised(self, line: Line) -> bool:
        return line.bold or (self.body > 0 and line.size >= self.body + 0.9)

    def _advance(self, last: tuple[int, ...] | None, num: tuple[int, ...], first_max: int) -> bool:
        if last is None:
            return num[0] <= first_max and all(n <= 3 for n in num[1:])
        if num <= last or num[0] > last[0] + 1:
            return False
        if num[0] == last[0] + 1:
            return all(n <= 2 for n in num[1:])
        depth = min(len(num), len(last))
        for i in range(1, len(num)):
            prev = last[i] if i < len(last) and num[:i] == last[:i] else 0
            if num[i] > prev + 2:
                return False
            if i >= depth:
                break
        return True

    def classify(self, line: Line) -> Heading | None:
        if line.uncertain:
            return None  # OCR's reading of a formula or of figure text
        text = _ocr_roman_number(line.text.strip()) if line.ocr else line.text.strip()
        emph = self.emphasised(line) or not self.has_typography
        plain = text.rstrip(".:").strip()
        lowered = plain.lower()
        # "Abstract" alone on a line before the first numbered heading is one, even set smaller than the body
        front_abstract = lowered in ABSTRACT_NAMES and self.last_number is None
        if lowered in _NAMED and (emph or line.size >= self.body - 0.1 or front_abstract):
            kind = "references" if lowered in REFERENCE_NAMES else "abstract" if lowered in ABSTRACT_NAMES else "body"
            if lowered in APPENDIX_NAMES:
                self.appendix = True
            if kind == "references":
                self.appendix = True  # what follows the references is appendix material
            return Heading(plain, kind, 1)
        if not emph:
            return None
        match = _APPENDIX.match(text)
        if match and (not match.group("title") or _looks_like_title(match.group("title"))):
            self.appendix = True
            return Heading(text, "body", 1)
        match = _ARABIC.match(text)
        if match and _looks_like_title(match.group("title")):
            num = tuple(int(n) for n in match.group("num").split("."))
            if self._advance(self.last_number, num, 2 if not self.appendix else 99):
                self.last_number = num
                return Heading(text, "body", 1)
            return None
        match = _ROMAN.match(text)
        if match and _looks_like_title(match.group("title")):
            value = _roman(match.group("num"))
            if self._advance(self.last_number, (value,), 2):
                self.last_number = (value,)
                return Heading(text, "body", 1)
            return None
        match = _LETTER.match(text)
        if match and _looks_like_title(match.group("title")):
            parts = match.group("num").split(".")
            num = (ord(parts[0]) - ord("A") + 1, *(int(p) for p in parts[1:]))
            # "A. Ordered phase" (dotted) is a subsection anywhere; "A Details" only in the appendix.
            if match.group("dot") and len(parts) == 1 and not self.appendix:
                return Heading(text, "body", 1)
            if self.appendix and self._advance(self.last_letter, num, 2):
                self.last_letter = num
                return Heading(text, "body", 1)
            return None
        return None


# A roman section number with an "I" OCR read as "l", "1" or "|" ("Ill. METHOD"): one true numeral at least.
_OCR_ROMAN = re.compile(r"^(?=[IVXl1|]*[IVX])(?=[IVXl1|]*[l1|])[IVXl1|]{2,5}(?=\.\s+[A-Z])")


def _ocr_roman_number(text: str) -> str:
    """ "Ill. METHOD" → "III. METHOD": in a roman section number "l", "1" and "|" can only be "I"."""
    return _OCR_ROMAN.sub(lambda m: re.sub(r"[l1|]", "I", m.group(0)), text)


MAX_HEADING_LINES = 3  # a heading wraps onto at most two more lines


def continues_heading(heading_line: Line, line: Line, detector: HeadingDetector) -> bool:
    """A wrapped heading's second line has the heading's exact typography."""
    return (
        detector.has_typography
        and detector.emphasised(line)
        and abs(line.size - heading_line.size) < 0.2
        and line.bold == heading_line.bold
        and 0 < heading_line.y - line.y < 2.5 * max(line.size, 1.0)
        and len(line.text) < 90
        and not line.text.rstrip().endswith(".")
    )


_RUN_IN_WORDS = 6  # at most this many words make a run-in heading ("Session-level Policy Optimization")


def run_in_heading(line: Line) -> str:
    """The bold words opening a paragraph's first line, its run-in heading ("Reward Design We conduct RL …",
    "Datasets. We use …"), when they read as one: a few words, capitalised, whole, not ending in a word that
    goes on ("of", "in"), and what follows starts a sentence (or they end in a stop or a colon). Else ""."""
    lead, text = line.lead.strip(), line.text.strip()
    if not lead or not text.startswith(lead) or len(text) == len(lead):
        return ""
    rest, ends, words = text[len(lead) :], lead.endswith((".", ":")), lead.split()
    if not 1 <= len(words) <= _RUN_IN_WORDS or not lead[0].isupper() or words[-1].lower() in _OPEN_ENDINGS:
        return ""  # "Conducting Meta-Analyses in" (then "R" in another font) is a title's start
    if not (rest[0].isspace() or ends):  # bold letters of a word ("Pa" of "PaSa")
        return ""
    return lead if ends or rest.lstrip()[:1].isupper() else ""


def stands_alone(line: Line, following: Line | None, detector: HeadingDetector) -> bool:
    """An unnumbered subheading on a line of its own, in a typography of its own ("Hand opening with a rotated
    forearm position", smaller and italic, over "When applying the identified optimal …"): read as a paragraph's
    first line, it would open the sentence below it. A title's words, not ending like a sentence, in another
    size or weight than the next line, which starts a sentence right below it."""
    if following is None or not detector.has_typography or following.page != line.page or following.role:
        return False
    text = line.text.strip()
    if not _looks_like_title(text) or text.endswith((".", ":", "?", "!")) or not following.text.lstrip()[:1].isupper():
        return False
    if ". " in text or text.split()[-1].lower() in _OPEN_ENDINGS:  # a sentence's start, read on ("To instantiate a")
        return False
    other_type = abs(line.size - following.size) >= 0.3 or line.bold != following.bold
    return other_type and 0 < line.y - following.y < 2.5 * max(following.size, 1.0)


def big_heading(line: Line, detector: HeadingDetector, after: Sequence[Line]) -> bool:
    """Unnumbered headings set clearly larger than body text ("Vorwort", "MOTIVATION"), with body text right
    below them (below its last line, when it wraps in its own type: "Simulation of transitions in multistate"
    over "models"). A plot's title and axis labels are set large too ("Log(λ)", "Density", a tree's species
    names), but what follows them is more of the plot: other labels, tick numbers, or text far away."""
    if detector.body <= 0 or line.size < detector.body * 1.15 or line.uncertain:
        return False
    text = line.text.strip()
    words = re.findall(r"[^\W\d_\u0370-\u03ff]{3,}", text)  # Greek letters are math symbols here
    if not (words and _looks_like_title(text) and not text.endswith((".", ":")) and len(text.split()) <= 10):
        return False
    last, rest = line, list(after[:MAX_HEADING_LINES])
    for _ in range(MAX_HEADING_LINES - 1):  # past the heading's own wrapped lines
        if not rest or not continues_heading(last, rest[0], detector):
            break
        last = rest.pop(0)
    return bool(rest) and _text_below(last, rest[0])


def _text_below(line: Line, following: Line) -> bool:
    """`following` has words, is set smaller than `line` (body text, or a subsection's heading under a
    chapter's) and starts within a few lines' spacing below it. A plot's next label is as large as the one
    before it, or far away."""
    if following.page != line.page or following.role or following.size > line.size - 0.5:
        return False
    if not re.search(r"[^\W\d_]{2,}", following.text):
        return False
    return 0.8 * following.size < line.y - following.y < 3.5 * max(line.size, 1.0)  # the next line down


_FOOT = 0.2  # the bottom fifth of the height the first page's lines span


def find_title(first_page: list[Line], body: float) -> tuple[str, int]:
    """Title from the first page: its largest-font lines near the top, else the first line.

    Returns the title and how many leading lines it used.
    """
    top = first_page[:25]
    # A title is never at the foot of the page: a line there among the first read is a figure's text drawn in
    # its own coordinates (a logo's "Paper Search" under the title, set in 28 points).
    low, high = min(ln.y for ln in first_page), max(ln.y for ln in first_page)
    foot = low + _FOOT * (high - low)
    candidates = [
        ln
        for i, ln in enumerate(top)
        if re.search(r"[^\W\d_]{2,}", ln.text)
        and not ln.uncertain
        and not is_masthead(ln.text, top[i + 1 : i + 3])
        and (ln.y >= foot or high - low < 1)
    ]
    if not candidates:
        return "", 0
    biggest = max(ln.size for ln in candidates)
    if biggest >= body + 1.0:
        start = next(i for i, ln in enumerate(candidates) if ln.size == biggest)
        picked = [candidates[start]]
        for ln in candidates[start + 1 : start + 4]:
            if abs(ln.size - biggest) < 0.2:
                picked.append(ln)
            else:
                break
        title = " ".join(ln.text.strip() for ln in picked)
        return title, first_page.index(picked[-1]) + 1
    first = candidates[0].text.strip()
    # A lone page from a longer paper starts with its running header: "Paper title 9".
    first = re.sub(r"\s+\d{1,4}$", "", first)
    if not plausible_title(first):
        return "", 0  # a table header or a sentence's first line is no title: the title is unknown
    return first, first_page.index(candidates[0]) + 1


# A journal's masthead above the title ("Journal of Statistical Software" over "August 2010, Volume 36, Issue 3."),
# often set larger than the title itself.
_PERIODICAL = re.compile(r"\b(?:journal|proceedings|transactions|bulletin|annals)\b", re.IGNORECASE)
_ISSUE = re.compile(r"\b(?:vol(?:ume)?\.?|issue|no\.)\s*\d+", re.IGNORECASE)


def is_masthead(text: str, following: list[Line]) -> bool:
    """The line names a periodical and it or a line right after it gives the volume or issue: the journal's
    masthead, not the paper's title."""
    if not _PERIODICAL.search(text) or len(text.split()) > 8:
        return False
    return any(_ISSUE.search(t) for t in [text, *(ln.text for ln in following)])


_OPEN_ENDINGS = {"a", "an", "the", "to", "of", "and", "or", "in", "for", "with", "on", "by", "from", "at", "as"}


def plausible_title(text: str) -> bool:
    """A line that can stand as a title without typography to vouch for it: words, not a table header
    ("Model P R F1 P R F1"), not a sentence (ends with a stop) or its first line (ends with "to", "of")."""
    words = text.split()
    if not 2 <= len(words) <= 20 or text.endswith((".", ",", ";", ":")) or text[:1].islower():
        return False
    if words[-1].lower() in _OPEN_ENDINGS:
        return False
    # a table header is short symbols and numbers ("P R F1"); a title's short words are its function words
    # ("QUANTILE REGRESSION IN R: A VIGNETTE")
    short_or_numeric = sum(
        (len(w) <= 2 and w.lower().strip(":,") not in _OPEN_ENDINGS) or any(ch.isdigit() for ch in w) for w in words
    )
    return short_or_numeric <= 0.3 * len(words)


_AFFILIATION = re.compile(
    r"universit|institut|college|school|department|dept\.|laborator|lab\b|@|inc\.|corporation|research|"
    r"centre|center|academy|\bai\b|google|microsoft|meta\b|\d{5}",
    re.IGNORECASE,
)


def without_marker_glyphs(text: str) -> str:
    """Symbols that are no part of a name (□ ■ ✉ ⋆, private-use and unmapped glyphs) become commas."""
    return "".join("," if unicodedata.category(ch) in _MARKER_CATEGORIES or ch == "\ufffd" else ch for ch in text)


_MARKER_CATEGORIES = {"So", "Sm", "Sk", "Co", "Cn", "Pi", "Pf"}  # symbols, unmapped glyphs, curly quotes (OCR)


def find_authors(lines_after_title: list[Line]) -> list[str]:
    """Authors from the lines between the title and the abstract: names split on commas/"and"/markers."""
    authors: list[str] = []
    for line in lines_after_title[:4]:
        text = line.text.strip()
        lowered = text.lower().rstrip(".:")
        if lowered in ABSTRACT_NAMES or _AFFILIATION.search(text) or text.startswith(("(", "{")):
            break
        # Affiliation markers (†, ∗, α, superscript digits) separate names on one line; so do glyphs a
        # text layer could not map ("□", private-use codes) and any other symbol.
        text = without_marker_glyphs(text)
        cleaned = re.sub(r"[\u2020\u2021\u2217*\u2660-\u2667\u03b1-\u03c9§¶]+(?:,[\u03b1-\u03c9\d]+)*", ",", text)
        cleaned = re.sub(r"(?<=[a-z\u00e0-\u017f])\d+(?:,\s?\d+)*", ",", cleaned)
        parts = re.split(r",|\band\b|\s{2,}", cleaned)
        names = [re.sub(r"\d+", "", p).strip() for p in parts if re.search(r"[^\W\d_]", p)]
        if not names:
            break
        line_names: list[str] = []
        for name in names:
            tokens = name.split()
            if 2 <= len(tokens) <= 4 and all(t[0].isupper() for t in tokens):
                line_names.append(name)
            elif len(tokens) > 4 and all(t[0].isupper() or t.endswith(".") for t in tokens) and len(tokens) % 2 == 0:
                # "Kyle Lo Zejiang Shen": names separated only by spacing; pair the tokens up.
                line_names.extend(" ".join(tokens[i : i + 2]) for i in range(0, len(tokens), 2))
            else:
                return authors
        authors.extend(line_names)
    return authors
