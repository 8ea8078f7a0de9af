"""Table cells on the shared PDFs: ingest's cells (split where PDFium draws the words) vs pdfplumber's table finder.

    python -m bench.table_cells [../shared/pdfs]

For every captioned table that ingest reads as rows, each number of each row ("92.0", "28,557",
"47.21(0.34)") should be a cell of its own. Counted for both: ingest's rows as it indexes them (cells
after the " — "), and the cells of the tables pdfplumber finds on the same page, by ruling lines (its
default) and by text alignment (a number counts when some cell holds exactly it). A number that is part
of a row's label ("Train (70%)") is not alone, by design. Also: tables with column names, and the time
each method spends.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.pdf.floats import _NUMBER  # noqa: E402
from ingest.sources.pdf import load_pdf  # noqa: E402

DEFAULT = ROOT.parent / "shared" / "pdfs"
# pdfplumber's table finder: by ruling lines (its default), and by text alignment alone
STRATEGIES = {
    "pdfplumber-lines": {},
    "pdfplumber-text": {"vertical_strategy": "text", "horizontal_strategy": "text"},
}
NAMES = ("papermage.pdf", "1111.2011v2.pdf", "2206.10883v3.pdf", "2305.03393v1-pg9.pdf")


def main() -> None:
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT
    if not folder.exists():
        sys.exit(f"bench/table_cells: no shared PDFs under {folder}")
    import pdfplumber

    totals = {"numbers": 0, "ingest": 0, "tables": 0, "named": 0} | dict.fromkeys(STRATEGIES, 0)
    seconds = {"ingest": 0.0} | dict.fromkeys(STRATEGIES, 0.0)
    print(f"{'table':34} {'rows':>4} {'numbers':>7} {'ingest':>7} " + " ".join(f"{s:>16}" for s in STRATEGIES))
    for name in NAMES:
        start = time.perf_counter()
        paper = load_pdf(folder / name)
        seconds["ingest"] += time.perf_counter() - start
        with pdfplumber.open(folder / name) as pdf:
            for section in paper.sections:
                if section.kind != "table":
                    continue
                rows = [p for p in paper.text[section.start : section.end].split("\n\n") if " | " in p]
                if not rows:
                    continue
                page = paper.page_at(section.start)
                cells = {}
                for strategy, settings in STRATEGIES.items():
                    start = time.perf_counter()
                    found = pdf.pages[page - 1].find_tables(settings)
                    cells[strategy] = {" ".join(str(c).split()) for t in found for r in t.extract() for c in r if c}
                    seconds[strategy] += time.perf_counter() - start
                numbers = own = 0
                theirs = dict.fromkeys(STRATEGIES, 0)
                for row in rows:
                    values = row.split(" — ", 1)[1].split(" | ") if " — " in row else [row.rsplit(" | ", 1)[-1]]
                    for value in values:
                        for token in value.split():
                            if len(token) > 1 and _NUMBER.match(token):
                                numbers += 1
                                own += value == token
                                for strategy in STRATEGIES:
                                    theirs[strategy] += token in cells[strategy]
                totals["tables"] += 1
                totals["named"] += " — " in rows[0]
                for key, count in (("numbers", numbers), ("ingest", own), *theirs.items()):
                    totals[key] += count
                label = f"{name.split('.pdf')[0][:18]} {section.title.split(':')[0]}"
                shares = " ".join(f"{_share(theirs[s], numbers):>16}" for s in STRATEGIES)
                print(f"{label:34} {len(rows):4d} {numbers:7d} {_share(own, numbers):>7} {shares}")
    n = totals["numbers"]
    theirs = ", ".join(f"{s} {totals[s]}/{n} = {_share(totals[s], n)}" for s in STRATEGIES)
    print(f"numbers alone in a cell: ingest {totals['ingest']}/{n} = {_share(totals['ingest'], n)}; {theirs}")
    print(f"{totals['named']} of {totals['tables']} tables read as rows are split into cells with column names")
    spent = ", ".join(f"{s} {seconds[s]:.1f} s" for s in STRATEGIES)
    print(f"time: ingest of the 4 PDFs {seconds['ingest']:.1f} s in all; finding the tables on their pages: {spent}")


def _share(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "-"


if __name__ == "__main__":
    main()
