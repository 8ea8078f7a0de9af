"""Do citations' highlights cover the quoted text? Checked with a second PDF extractor, not the one that found them.

    python -m bench.highlights [--split dev|train|all] [--work DIR]

Builds the long-paper index of `bench.eval_answers pdfs` (../shared/pdfs + data/), asks the questions of
bench/questions/pdfs_*.jsonl of the split, and for every quote of a PDF passage:

- read back: the characters pdfplumber (pdfminer's parser, independent of PDFium) finds inside the
  highlight's rectangles, on the highlight's page, make a text; its word-token overlap with the quote
  (F1 of the token multisets) must be >= 0.8 (a quote split over two pages is read back from both);
- right page: the page whose pdfplumber text holds most of the quote is the page where most of the
  quote's lines are highlighted (quotes pdfplumber's page texts cannot place are counted apart);
- time to locate a quote (pages read cold, as for a first answer, and warm, from the page cache) and to
  render a page at 150 dpi; the baseline in the same run is the plain text extraction of the same pages
  with pypdf (what ingest already pays per page).
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
import unicodedata
from collections import Counter
from pathlib import Path

from bench.metrics import pct

TARGET_OVERLAP = 0.8
_WORD = re.compile(r"\w+")


def tokens(text: str) -> list[str]:
    text = unicodedata.normalize("NFKC", text).lower()
    return _WORD.findall(text)


def overlap(quote: str, read: str) -> float:
    """F1 of the word-token multisets of the quote and the text read back."""
    q, r = Counter(tokens(quote)), Counter(tokens(read))
    common = sum((q & r).values())
    if not common:
        return 0.0
    precision, recall = common / sum(r.values()), common / sum(q.values())
    return 2 * precision * recall / (precision + recall)


def squeeze(text: str) -> str:
    """Letters and digits only, lower-case: how page texts are compared, whatever the spacing."""
    return "".join(c for c in unicodedata.normalize("NFKD", text).lower() if c.isalnum())


class ReadBack:
    """pdfplumber's view of a PDF: text inside rectangles, and each page's squeezed text."""

    def __init__(self, path: Path) -> None:
        import pdfplumber

        self.pdf = pdfplumber.open(str(path))
        self._squeezed: dict[int, str] = {}

    def close(self) -> None:
        self.pdf.close()

    def text_in(self, page: int, rects: list[list[float]]) -> str:
        """The text of the characters whose centre lies in one of the rectangles, line by line, with
        line-end hyphens joined."""
        plumber_page = self.pdf.pages[page - 1]
        lines = []
        for x0, top, x1, bottom in rects:

            def inside(obj, x0=x0, top=top, x1=x1, bottom=bottom) -> bool:
                if obj.get("object_type") != "char":
                    return False
                cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
                return x0 <= cx <= x1 and top <= cy <= bottom

            # x_tolerance 1.5 pt: pdfminer's default (3) glues the words of tightly set lines together
            text = plumber_page.filter(inside).extract_text(x_tolerance=1.5)
            lines.append(text.replace("\n", " ").strip())
        text = ""
        for line in lines:
            text = text[:-1] + line if text.endswith("-") and line[:1].islower() else f"{text} {line}".strip()
        return text

    def page_holding(self, text: str, pages: range) -> int | None:
        """Of `pages`, the one whose text holds most of `text` (its 12-character pieces, spacing aside);
        None when none holds a fifth of them (pdfplumber reads that text too differently to tell)."""
        squeezed = squeeze(text)
        pieces = {squeezed[i : i + 12] for i in range(0, max(1, len(squeezed) - 11), 6)}
        best, best_count = None, 0
        for page in pages:
            if not 1 <= page <= len(self.pdf.pages):
                continue
            if page not in self._squeezed:
                self._squeezed[page] = squeeze(self.pdf.pages[page - 1].extract_text(x_tolerance=1.5) or "")
            count = sum(piece in self._squeezed[page] for piece in pieces)
            if count > best_count:
                best, best_count = page, count
        return best if best_count >= max(1, len(pieces) // 5) else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--split", choices=["train", "dev", "all"], default="dev")
    parser.add_argument("--work", type=Path, default=Path("/tmp/papers-bench-highlights"), help="index folder")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args(argv)

    from bench.qa_sets import PDFS, QASets, corpus_inputs
    from ingest.pdf.glyphs import GlyphCache
    from rag import Library, Settings
    from rag.answers.highlights import HighlightLocator, pdf_path
    from ui.page_image import render_page

    if not PDFS.exists():
        print(f"skipping: {PDFS} is absent (shared PDFs not mounted)")
        return 0
    lib = Library(Settings(index_dir=args.work / "index"))
    report = lib.ingest(corpus_inputs())
    print(f"index: {len(report.added)} added, {len(report.unchanged)} unchanged", file=sys.stderr)
    sets = QASets.load(args.split)
    questions = [q["question"] for q in sets.single + sets.multi + sets.unanswerable]

    readers: dict[Path, ReadBack] = {}
    covered: list[bool] = []
    right_page: list[bool] = []
    unknown_page = 0
    scores: list[float] = []
    cold_ms: list[float] = []
    warm_ms: list[float] = []
    baseline_ms: list[float] = []
    render_ms: list[float] = []
    rendered: set[tuple[Path, int]] = set()
    misses: list[str] = []
    n_sources = 0
    for question in questions:
        answer = lib.ask(question)
        for source in answer.sources:
            path = pdf_path(lib.paper(source.hit.paper_id))
            if path is None or not source.quotes:
                continue
            n_sources += 1
            reader = readers.setdefault(path, ReadBack(path))
            hit = source.hit
            pages = range(hit.page_start or 1, (hit.page_end or hit.page_start or 1) + 1)
            for a, b in source.quotes:
                quote = hit.text[a:b]
                cold = HighlightLocator(lib.paper, GlyphCache())
                start = time.perf_counter()
                found = cold.find(path, quote, pages)
                cold_ms.append(1000 * (time.perf_counter() - start))
                start = time.perf_counter()
                lib.highlighter.find(path, quote, pages)
                warm_ms.append(1000 * (time.perf_counter() - start))
                baseline_ms.append(_pypdf_pages_ms(path, pages))
                read = " ".join(reader.text_in(h.page, h.rects) for h in found)
                score = overlap(quote, read)
                scores.append(score)
                covered.append(score >= TARGET_OVERLAP)
                truth = reader.page_holding(quote, range(pages.start - 1, pages.stop + 1))
                drawn_on = max(found, key=lambda h: len(h.rects)).page if found else None
                if truth is None:
                    unknown_page += 1
                else:
                    right_page.append(drawn_on == truth)
                if score < TARGET_OVERLAP or (truth is not None and drawn_on != truth):
                    misses.append(
                        f"{path.name} p{[h.page for h in found]} (pdfplumber: p{truth}) overlap {score:.2f}: "
                        f"{quote[:90]!r} → read {read[:90]!r}"
                    )
                for h in found:
                    if (path, h.page) not in rendered:
                        rendered.add((path, h.page))
                        start = time.perf_counter()
                        render_page(path, h.page, h.rects, dpi=150, draw=True)
                        render_ms.append(1000 * (time.perf_counter() - start))
    for reader in readers.values():
        reader.close()

    def p50(values: list[float]) -> str:
        return f"{statistics.median(values):.1f}" if values else "n/a"

    rows = [
        ("questions asked", len(questions)),
        ("PDF sources", n_sources),
        ("quotes", len(covered)),
        ("read back holds the quote (overlap >= 0.8) %", pct(covered)),
        ("mean token overlap", f"{statistics.mean(scores):.3f}" if scores else "n/a"),
        ("right page %", pct(right_page)),
        ("quotes whose page pdfplumber's text cannot tell", unknown_page),
        ("locate p50 ms (pages read cold)", p50(cold_ms)),
        ("locate p50 ms (pages cached)", p50(warm_ms)),
        ("baseline: pypdf extract_text of the same pages p50 ms", p50(baseline_ms)),
        ("render p50 ms (150 dpi, highlight drawn)", p50(render_ms)),
        ("pages rendered", len(render_ms)),
    ]
    print(f"\nhighlights, {args.split} split")
    for name, value in rows:
        print(f"{name:<56} {value!s:>8}")
    if args.show_misses and misses:
        print("-- misses")
        for miss in misses:
            print("  " + miss)
    return 0


def _pypdf_pages_ms(path: Path, pages: range) -> float:
    """Baseline: pypdf's text extraction of the same pages (opening the file included)."""
    from pypdf import PdfReader

    start = time.perf_counter()
    reader = PdfReader(str(path))
    for page in pages:
        if 1 <= page <= len(reader.pages):
            reader.pages[page - 1].extract_text()
    return 1000 * (time.perf_counter() - start)


if __name__ == "__main__":
    sys.exit(main())
