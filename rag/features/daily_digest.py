"""The daily digest (`papers digest`, a page like the seed's): a day's papers, each with its metadata
and 3–6 key takeaways quoted from its own text.

Takeaways are extractive on purpose: every one is a sentence of the paper (abstract or body, never
References), chosen for what it says (contribution and result cues), how central it is to the paper
(embedding similarity to the paper's mean vector and abstract) and how different it is from the ones
already taken, and cited to its section and page. Nothing is paraphrased, so nothing can be invented.

The sentences come from the index itself (a paper's stored chunks, which are exact spans of its text),
so a digest can be built over papers fetched a moment ago or indexed long before.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from ingest.sentences import sentence_spans
from rag.errors import PapersError
from rag.index.records import Hit, PaperRecord
from rag.indexer import Indexer, IngestReport
from rag.reader import Reader
from rag.text import page_label

MIN_TAKEAWAYS, MAX_TAKEAWAYS = 3, 6
_MAX_CANDIDATES = 250  # sentences embedded per paper (the best by cheap scores), bounds the cost of long PDFs
_NEAR_DUPLICATE = 0.85  # cosine above which two sentences say the same thing
_CARRIES = 0.5  # cue strength from which a sentence states the paper's own contribution or result


class EmptyDigestError(PapersError):
    """Nothing to put in a digest (an empty day, a query without results, an empty index)."""


@dataclass
class Takeaway:
    """One verbatim sentence of a paper and where it is: `text` is the paper's `text[start:end]`."""

    text: str
    start: int
    end: int
    section: str = ""
    kind: str = "body"
    page_start: int | None = None
    page_end: int | None = None
    score: float = 0.0
    cues: list[str] = field(default_factory=list)
    cue_strength: float = 0.0  # cue score with the section prior and penalties, before centrality

    @property
    def location(self) -> str:
        """Where it is, e.g. "§5 Results, p. 7", "Abstract, p. 1", "§2 Method, pp. 3-4"; "" if unknown."""
        parts = []
        if self.section:
            parts.append(self.section if self.kind == "abstract" else f"§{_section_label(self.section)}")
        if self.page_start is not None:
            parts.append(page_label(self.page_start, self.page_end))
        return ", ".join(parts)


@dataclass
class DigestEntry:
    paper_id: str
    title: str
    authors: list[str]
    abstract: str
    abs_url: str = ""
    pdf_url: str = ""
    pages: int | None = None
    published: str = ""
    categories: list[str] = field(default_factory=list)
    comment: str = ""  # the authors' arXiv comment ("12 pages, 3 figures")
    takeaways: list[Takeaway] = field(default_factory=list)
    note: str = ""  # e.g. why only the abstract was read


@dataclass
class Digest:
    scope: str  # "cs.CL", "query: …", "indexed papers"
    day: str = ""  # the day covered (YYYY-MM-DD), when there is one
    generated: str = field(default_factory=lambda: date.today().isoformat())
    entries: list[DigestEntry] = field(default_factory=list)
    not_included: list[tuple[str, str]] = field(default_factory=list)  # (input, reason)


# -- fetching ------------------------------------------------------------------------------------------


def fetch_papers(
    indexer: Indexer,
    *,
    category: str | None = None,
    day: date | None = None,
    query: str | None = None,
    max_results: int = 50,
    abstract_only: bool = False,
) -> tuple[list[str], IngestReport]:
    """Add a day of a category (or a search's results) to the index; the ids of the papers it covers."""
    if category:
        day = day or date.today()
        report = indexer.add_arxiv(
            category=category, since=day, until=day, max_results=max_results, abstract_only=abstract_only
        )
    elif query:
        report = indexer.add_arxiv(query=query, max_results=max_results, abstract_only=abstract_only)
    else:
        raise PapersError("a digest needs --category (with --date), --query, or --indexed")
    ids = [pid for pid, _, _ in report.added] + [pid for pid, _ in report.unchanged]
    return list(dict.fromkeys(ids)), report


def select_indexed(
    reader: Reader, paper_refs: Iterable[str] = (), *, category: str | None = None, day: date | None = None
) -> list[PaperRecord]:
    """Papers already in the index: the ones named, else all, optionally of a category / published day."""
    reader.store.open_for_read(reader.settings.embed_model)
    refs = list(paper_refs)
    records = [reader.resolve_paper(r) for r in refs] if refs else reader.papers()
    if category:
        records = [r for r in records if category in (r.extra.get("categories") or [])]
    if day:
        records = [r for r in records if _published_day(r) == day.isoformat()]
    return list({r.id: r for r in records if r.state == "ready"}.values())


def _published_day(record: PaperRecord) -> str:
    published = str(record.extra.get("published") or record.extra.get("digest_date") or "")
    return published[:10]


# -- building ------------------------------------------------------------------------------------------


def build_digest(
    reader: Reader,
    records: list[PaperRecord],
    *,
    scope: str,
    day: str = "",
    max_takeaways: int = MAX_TAKEAWAYS,
) -> Digest:
    """One entry per paper, newest submissions last (the order arXiv lists a day in)."""
    if not records:
        raise EmptyDigestError(f"no papers for a digest of {scope}" + (f" on {day}" if day else ""))
    digest = Digest(scope=scope, day=day)
    records = sorted(records, key=lambda r: (str(r.extra.get("published") or ""), r.title.lower()))
    takeaways = takeaways_for(reader, records, max_takeaways)
    digest.entries = [_entry(record, takeaways[record.id]) for record in records]
    return digest


def _entry(record: PaperRecord, takeaways: list[Takeaway]) -> DigestEntry:
    extra = record.extra
    pages = record.pages or _int(extra.get("pages")) or _int(extra.get("pdf_pages"))
    note = ""
    if extra.get("abstract_only") and extra.get("pdf_error"):
        note = f"PDF not read ({extra['pdf_error']}); takeaways come from the abstract"
    elif extra.get("abstract_only"):
        note = "abstract only; takeaways come from the abstract"
    return DigestEntry(
        paper_id=record.id,
        title=record.title,
        authors=list(record.authors),
        abstract=record.abstract,
        abs_url=str(extra.get("abs_url") or record.url or ""),
        pdf_url=str(extra.get("pdf_url") or ""),
        pages=pages or None,
        published=str(extra.get("published") or "")[:10],
        categories=[str(c) for c in extra.get("categories") or []],
        comment=str(extra.get("comment") or extra.get("pdf_note") or ""),
        takeaways=takeaways,
        note=note,
    )


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


# -- sentences of a paper, from its stored chunks ------------------------------------------------------


@dataclass
class _Segment:
    """A run of a paper's text rebuilt from overlapping chunks of one section."""

    start: int
    text: str
    section: str
    kind: str


_TAKEN_KINDS = ("abstract", "body")
_SKIP_SECTIONS = re.compile(
    r"acknowledg|funding|author contributions?|ethic|broader impact|limitations|appendix|checklist|reproducib",
    re.IGNORECASE,
)
_APPENDIX_NUMBER = re.compile(r"^[A-H](?:\.\d+)+\b")  # "A.1 Comparison with XML"
_PARAGRAPH = re.compile(r"\n\s*\n")


def paper_sentences(reader: Reader, paper_id: str) -> list[Takeaway]:
    """Every sentence of a paper's abstract and body, with its section and page, in text order."""
    rows = reader.store.passages_of(paper_id)
    pages = _PageMap(rows)
    out: list[Takeaway] = []
    for seg in _segments(rows):
        if seg.kind not in _TAKEN_KINDS or _SKIP_SECTIONS.search(seg.section) or _APPENDIX_NUMBER.match(seg.section):
            continue
        for p_start, p_end in _paragraphs(seg):
            para = seg.text[p_start:p_end]
            for s, e in sentence_spans(para):
                start, end = seg.start + p_start + s, seg.start + p_start + e
                first, last = pages.span(start, end)
                out.append(Takeaway(para[s:e], start, end, seg.section, seg.kind, first, last))
    return out


def _segments(rows: list[Hit]) -> list[_Segment]:
    """Merge each section's chunks (they overlap, or leave whitespace between them) into runs of text."""
    segments: list[_Segment] = []
    for hit in rows:
        start, section, kind, doc = hit.start, hit.section, hit.kind, hit.text
        last = segments[-1] if segments else None
        if last and last.section == section and last.kind == kind:
            end = last.start + len(last.text)
            if start <= end:
                last.text += doc[end - start :]
                continue
            if start - end <= 2:  # whitespace the splitter dropped between two chunks
                last.text += " " * (start - end) + doc
                continue
        segments.append(_Segment(start, doc, section, kind))
    return segments


def _paragraphs(seg: _Segment) -> list[tuple[int, int]]:
    """Spans of the segment's paragraphs, without its heading line (a sentence never crosses them)."""
    spans, cursor = [], 0
    for match in _PARAGRAPH.finditer(seg.text):
        spans.append((cursor, match.start()))
        cursor = match.end()
    spans.append((cursor, len(seg.text)))
    heading = seg.section.strip()
    return [(a, b) for a, b in spans if b > a and seg.text[a:b].strip() != heading]


class _PageMap:
    """Page of an offset, from the chunks' (start, first page) and (end, last page): exact where a chunk
    starts or ends on the same page as its neighbours say, otherwise the honest range of pages."""

    def __init__(self, rows: list[Hit]) -> None:
        points: dict[int, int] = {}
        for hit in rows:
            if hit.page_start is None:
                continue
            points[hit.start] = int(hit.page_start)
            points[max(hit.start, hit.end - 1)] = int(hit.page_end or hit.page_start)
        self.offsets = sorted(points)
        self.pages = [points[o] for o in self.offsets]

    def bounds(self, offset: int) -> tuple[int, int] | None:
        if not self.offsets:
            return None
        i = bisect.bisect_right(self.offsets, offset)
        low = self.pages[i - 1] if i else 1
        j = bisect.bisect_left(self.offsets, offset)
        high = self.pages[j] if j < len(self.offsets) else self.pages[-1]
        return low, high

    def span(self, start: int, end: int) -> tuple[int | None, int | None]:
        first, last = self.bounds(start), self.bounds(max(start, end - 1))
        if first is None or last is None:
            return None, None
        return first[0], last[1]  # the sentence lies within these pages; one page when both are exact


# -- choosing takeaways --------------------------------------------------------------------------------

_CUES: list[tuple[str, float, re.Pattern[str]]] = [
    (
        "contribution",
        1.0,
        re.compile(
            r"\b(?:we|this (?:paper|work|study)|our (?:paper|work))\s+(?:\w+ly\s+)?(?:propose|introduce|present|"
            r"develop|design|release|construct|formulate|offer|contribute|establish)s?\b",
            re.IGNORECASE,
        ),
    ),
    ("finding", 0.8, re.compile(r"\bwe (?:\w+ly )?(?:show|demonstrate|find|observe|prove|reveal|confirm)\b", re.I)),
    ("novel", 0.3, re.compile(r"\b(?:novel|new|first)\b", re.IGNORECASE)),
    ("outperforms", 1.0, re.compile(r"\b(?:outperform|surpass|beat)\w*", re.IGNORECASE)),
    ("achieves", 0.7, re.compile(r"\b(?:achiev|attain)\w*", re.IGNORECASE)),
    (
        "improves by",
        1.0,
        re.compile(r"\b(?:improv|boost|increas|reduc|gain|lower|rais|cut)\w*\b.{0,80}?\bby\b", re.IGNORECASE),
    ),
    ("percent", 0.8, re.compile(r"\d(?:\.\d+)?\s?(?:%|percent\b|pp\b|points?\b|x\b|×)", re.IGNORECASE)),
    ("state of the art", 1.0, re.compile(r"state[- ]of[- ]the[- ]art|\bSOTA\b", re.IGNORECASE)),
    ("results", 0.4, re.compile(r"\b(?:results?|experiments?|evaluations?) (?:show|demonstrate|indicate)", re.I)),
    ("significantly", 0.3, re.compile(r"\b(?:significant(?:ly)?|substantial(?:ly)?|consistent(?:ly)?)\b", re.I)),
]
_CITATION = re.compile(r"\[\d+(?:[,–-]\s*\d+)*\]|\bet al\.|\(\w+(?: et al\.)?,? \d{4}\)")
_ROADMAP = re.compile(r"\b(?:in|see|of) (?:section|sec\.|§)\s*[\dIVX]|\bthe rest of (?:this|the) paper", re.I)
_CAPTION = re.compile(r"^(?:fig(?:ure)?|table|tab|algorithm)\.?\s*\d", re.IGNORECASE)
_SECTION_PRIOR = [
    (re.compile(r"abstract", re.I), 0.35),
    (re.compile(r"conclu|summary|discussion", re.I), 0.25),
    (re.compile(r"result|experiment|evaluat", re.I), 0.15),
    (re.compile(r"introduction", re.I), 0.1),
    (re.compile(r"related|background|prior work|preliminar", re.I), -0.5),
]


def cue_score(text: str) -> tuple[float, list[str]]:
    """How strongly a sentence states a contribution or a result (0 = not at all), and which cues."""
    found = [(name, weight) for name, weight, pattern in _CUES if pattern.search(text)]
    return min(2.5, sum(w for _, w in found)), [name for name, _ in found]


def _prior(s: Takeaway) -> float:
    """Cheap per-sentence score: section, and penalties for text that reads badly out of context."""
    title = "Abstract" if s.kind == "abstract" else s.section
    score = next((bonus for pattern, bonus in _SECTION_PRIOR if pattern.search(title)), 0.0)
    if _CITATION.search(s.text):
        score -= 0.4  # about others' work
    if _ROADMAP.search(s.text):
        score -= 1.0  # "In Section II we introduce…" describes the paper's layout, not its content
    if s.text.rstrip().endswith("?"):
        score -= 0.5
    if re.match(r"^(?:this|these|it|they|such|however|thus|therefore)\b", s.text, re.IGNORECASE):
        score -= 0.2  # leans on the sentence before it
    return score


def _readable(text: str) -> bool:
    """A sentence that stands on its own: a whole sentence of prose, not a caption, heading or table row."""
    flat = " ".join(text.split())
    if not 40 <= len(flat) <= 450 or len(flat.split()) < 7:
        return False
    if not re.search(r"[.!?][\"')\]]*$", flat) or not (flat[0].isupper() or flat[0].isdigit()):
        return False
    if _CAPTION.match(flat):
        return False
    letters = sum(ch.isalpha() for ch in flat)
    return letters / len(flat) >= 0.6


def takeaways_for(reader: Reader, records: list[PaperRecord], k: int = MAX_TAKEAWAYS) -> dict[str, list[Takeaway]]:
    """Up to `k` (at least 3 when a paper has them) verbatim sentences per paper, in each paper's order.

    All papers' candidate sentences are embedded in one batch: one model call per digest, not per paper.
    """
    pools = {r.id: _candidates(reader, r.id) for r in records}
    vectors = reader.engine.embedder.encode([" ".join(s.text.split()) for pool in pools.values() for s in pool])
    stored_by_id = reader.store.paper_vectors([r.id for r in records])
    chosen: dict[str, list[Takeaway]] = {}
    offset = 0
    for record in records:
        pool = pools[record.id]
        mine = vectors[offset : offset + len(pool)]
        offset += len(pool)
        if not pool:
            chosen[record.id] = []
            continue
        centrality = mine @ _centre(pool, mine, stored_by_id.get(record.id))
        for s, c in zip(pool, centrality, strict=True):
            s.score = round(float(0.6 * min(s.cue_strength, 2.5) + c), 4)
        chosen[record.id] = sorted(_diverse(pool, mine, k), key=lambda s: s.start)
    return chosen


def key_takeaways(reader: Reader, record: PaperRecord, k: int = MAX_TAKEAWAYS) -> list[Takeaway]:
    return takeaways_for(reader, [record], k)[record.id]


def _candidates(reader: Reader, paper_id: str) -> list[Takeaway]:
    """A paper's readable sentences with their cue strength, the best `_MAX_CANDIDATES` by it."""
    candidates = [s for s in paper_sentences(reader, paper_id) if _readable(s.text)]
    for s in candidates:
        cue, s.cues = cue_score(s.text)
        s.cue_strength = round(cue + _prior(s), 4)
    return sorted(candidates, key=lambda s: -s.cue_strength)[:_MAX_CANDIDATES]


def _centre(pool: list[Takeaway], vectors: np.ndarray, stored: np.ndarray | None) -> np.ndarray:
    """What the paper is about: its stored mean chunk vector with its abstract's sentences (else all)."""
    abstract = [v for s, v in zip(pool, vectors, strict=True) if s.kind == "abstract"]
    parts = [np.mean(abstract or list(vectors), axis=0)]
    if stored is not None and len(stored) == vectors.shape[1]:
        parts.append(np.asarray(stored, dtype=np.float32))
    centre = np.mean([p / (np.linalg.norm(p) or 1.0) for p in parts], axis=0)
    return centre / (np.linalg.norm(centre) or 1.0)


_STRONG_CUES = {name for name, weight, _ in _CUES if weight >= 0.7}


def _carries(s: Takeaway) -> bool:
    """States the paper's own contribution or result: a strong cue ("we propose", "outperforms", a
    percentage…), not only a soft one ("novel", "significantly"), and not outweighed by penalties."""
    return bool(_STRONG_CUES.intersection(s.cues)) and s.cue_strength >= _CARRIES


def _diverse(candidates: list[Takeaway], vectors: np.ndarray, k: int) -> list[Takeaway]:
    """Greedy by score, skipping near-duplicates; sentences with a cue first, central ones fill up to 3."""
    order = sorted(range(len(candidates)), key=lambda i: -candidates[i].score)
    chosen: list[int] = []

    def take(pool: list[int], limit: int) -> None:
        for i in pool:
            if len(chosen) >= limit:
                return
            if i in chosen:
                continue
            if chosen and float(np.max(vectors[chosen] @ vectors[i])) > _NEAR_DUPLICATE:
                continue
            chosen.append(i)

    take([i for i in order if _carries(candidates[i])], k)
    take(order, min(k, MIN_TAKEAWAYS))
    return [candidates[i] for i in chosen]


def _section_label(title: str) -> str:
    """'5 Results' → '5 Results'; '5. Results' → '5 Results' (rendered after a §)."""
    return re.sub(r"^(\d+(?:\.\d+)*)\.?\s+", r"\1 ", " ".join(title.split()))
