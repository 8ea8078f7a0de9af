"""Benchmark PDF ingestion: throughput and peak memory on the 117-page book, and an outcome table.

Run: .venv/bin/python bench/pdf_extraction.py [../shared/pdfs]
Prints pages/s and chunks/s of load_pdf + chunk_paper on GeoTopo, the peak RSS of the process, and for
every PDF under the folder (and odd/) its title, section count and chunk count, or the error.
"""

from __future__ import annotations

import resource
import sys
import time
from pathlib import Path

from ingest.chunking import chunk_paper
from ingest.models import SourceError
from ingest.sources.pdf import load_pdf

DEFAULT = Path(__file__).resolve().parents[1].parent / "shared" / "pdfs"
PASSWORDS = {"pypdf-samples-libreoffice-writer-password.pdf": "openpassword"}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB


def throughput(book: Path) -> None:
    chunk_paper(load_pdf(Path(__file__).resolve().parents[1].parent / "shared/pdfs/2305.03393v1-pg9.pdf"))
    before = peak_rss_mb()  # after imports and a warm-up, so the delta is the book's own cost
    start = time.perf_counter()
    paper = load_pdf(book)
    loaded = time.perf_counter()
    chunks = chunk_paper(paper)
    done = time.perf_counter()
    total = done - start
    print(f"## {book.name}: {paper.pages} pages, {len(paper.text):,} chars, {len(chunks)} chunks")
    print(f"load_pdf     {loaded - start:6.2f} s  ({paper.pages / (loaded - start):5.1f} pages/s)")
    print(f"chunk_paper  {done - loaded:6.2f} s  ({len(chunks) / (done - loaded):5.1f} chunks/s)")
    print(f"both         {total:6.2f} s  ({paper.pages / total:5.1f} pages/s, {len(chunks) / total:5.1f} chunks/s)")
    print(f"peak RSS     {peak_rss_mb():6.0f} MB (was {before:.0f} MB before the book)\n")


def table(folder: Path) -> None:
    files = sorted(folder.glob("*.pdf")) + sorted((folder / "odd").glob("*.pdf"))
    print("| file | pages | outcome | title | sections | chunks | refs | seconds |")
    print("|---|---|---|---|---|---|---|---|")
    for path in files:
        name = str(path.relative_to(folder))
        start = time.perf_counter()
        try:
            paper = load_pdf(path, password=PASSWORDS.get(path.name))
            chunks = chunk_paper(paper)
        except SourceError as err:
            outcome = "skipped" if err.skipped else "error"
            print(f"| {name} | | {outcome}: {err.reason} | | | | | {time.perf_counter() - start:.2f} |")
            continue
        titled = sum(1 for s in paper.sections if s.title)
        print(
            f"| {name} | {paper.pages} | ok ({paper.id}) | {paper.title[:60]} | {titled} | {len(chunks)} "
            f"| {paper.extra.get('references_count', 0)} | {time.perf_counter() - start:.2f} |"
        )


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not folder.exists():
        sys.exit(f"{folder} is absent: pass the folder of PDFs (shared/pdfs)")
    throughput(folder / "odd" / "pypdf-samples-GeoTopo-komprimiert.pdf")
    table(folder)


if __name__ == "__main__":
    main()
