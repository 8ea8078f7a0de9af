"""Check the text the product extracts from real PDFs: lines it loses, and words no dictionary knows.

Run: .venv/bin/python -m bench.pdf_text_check [PDF ...] [--words /usr/share/dict/words] [--save DIR] [--compare DIR]

Default PDFs: ../shared/pdfs (and odd/) and the held-out vignettes when fetched (`make heldout-pdfs`).
For each PDF it prints:
- lost: lines pypdf reads on a page that are absent from that page of `load_pdf`'s text (compared as
  letters and digits only, so hyphenation and spacing do not count), leaving out page numbers and lines
  that repeat on 3+ pages (running headers and footers, which the product drops on purpose);
- unknown: words of 3+ letters not in the word list (a dropped ligature turns "significance" into
  "signicance"), with `--compare DIR` beside the count of a text saved earlier by `--save DIR`, and the
  words that appeared or disappeared.
The word list is any one-word-a-line file: Debian's `wamerican` has /usr/share/dict/words.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

from bench.heldout import pdf_paths, present
from ingest.models import Paper, SourceError
from ingest.pdf.clean import is_page_number, normalise_lines
from ingest.pdf.extract import iter_page_lines, open_reader, quiet_pypdf
from ingest.pdf.glyphs import reduce_text
from ingest.pdf.ocr import OcrOptions
from ingest.sources.pdf import load_pdf

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "pdfs"
_WORD = re.compile(r"[^\W\d_]{3,}")
MIN_LINE = 12  # letters and digits: shorter lines (a lone symbol, an axis label) are too ambiguous to match


def default_pdfs() -> list[Path]:
    pdfs = sorted(SHARED.glob("*.pdf")) + sorted(SHARED.glob("odd/*.pdf"))
    return pdfs + (pdf_paths() if present() else [])


def raw_lines(path: Path) -> list[list[str]]:
    """Each page's lines as pypdf reads them, normalised as the product normalises them."""
    with quiet_pypdf():
        reader = open_reader(path, None)
        pages = normalise_lines(list(iter_page_lines(reader, str(path))))
    return [[line.text for line in lines] for lines in pages]


def lost_lines(paper: Paper, pages: list[list[str]]) -> list[tuple[int, str]]:
    """(page, line) read raw but missing from that page of the paper's text (headers and numbers aside)."""
    repeats = Counter(re.sub(r"\d+", "#", line) for lines in pages for line in set(lines))
    starts = [*paper.page_starts, len(paper.text)]
    out = []
    for number, lines in enumerate(pages):
        page_text = reduce_text(paper.text[starts[number] : starts[number + 1]]) if number + 1 < len(starts) else ""
        for line in lines:
            reduced = reduce_text(line)
            if len(reduced) < MIN_LINE or is_page_number(line) or repeats[re.sub(r"\d+", "#", line)] >= 3:
                continue
            if reduced not in page_text:
                out.append((number + 1, line))
    return out


def unknown_words(text: str, words: set[str]) -> Counter[str]:
    return Counter(w for w in _WORD.findall(text) if w.lower() not in words)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pdfs", nargs="*", type=Path)
    parser.add_argument("--words", type=Path, default=Path("/usr/share/dict/words"))
    parser.add_argument("--save", type=Path, help="write each PDF's extracted text here")
    parser.add_argument("--compare", type=Path, help="a folder written by --save before a change")
    parser.add_argument("--show", type=int, default=5, help="lost lines and changed words shown per PDF")
    args = parser.parse_args(argv)
    if not args.words.is_file():
        print(f"{args.words}: no word list (apt-get install wamerican, or pass --words FILE)", file=sys.stderr)
        return 2
    words = {w.strip().lower() for w in args.words.read_text(encoding="utf-8", errors="replace").splitlines()}
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
    print(f"{'pdf':42} {'pages':>5} {'lost':>5} {'unknown':>8} {'before':>7}")
    for path in args.pdfs or default_pdfs():
        try:
            paper = load_pdf(path, ocr=OcrOptions(mode="never"))
            pages = raw_lines(path)
        except SourceError as exc:
            print(f"{path.name[:42]:42} skipped: {exc.reason}")
            continue
        lost = lost_lines(paper, pages)
        unknown = unknown_words(paper.text, words)
        before = ""
        saved = args.compare / f"{path.stem}.txt" if args.compare else None
        if saved and saved.is_file():
            previous = unknown_words(saved.read_text(encoding="utf-8"), words)
            before = str(sum(previous.values()))
            gone, new = previous - unknown, unknown - previous
        print(f"{path.name[:42]:42} {len(pages):5} {len(lost):5} {sum(unknown.values()):8} {before:>7}")
        for page, line in lost[: args.show]:
            print(f"    lost p.{page}: {line[:100]}")
        if before:
            print(f"    fixed: {', '.join(w for w, _ in gone.most_common(args.show)) or '-'}")
            print(f"    new:   {', '.join(w for w, _ in new.most_common(args.show)) or '-'}")
        if args.save:
            (args.save / f"{path.stem}.txt").write_text(paper.text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
