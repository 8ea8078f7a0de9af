"""How long a two-page arXiv listing takes at a given request pace, against the local replay server.

The replay server answers instantly, so the wall time is almost all the client's `delay_seconds`
between pages: this shows what the pace costs (arXiv asks for 3 s) and that paging makes exactly the
expected requests. Run: `.venv/bin/python bench/arxiv_paging.py [delay ...]` (default: 3.0 0.5).
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the replay server lives in tests/

from ingest.models import Paper
from ingest.sources.arxiv import ArxivSettings, ArxivSource, category_query
from tests.arxiv_replay import ReplayServer, atom_entry, atom_feed

PAGE, TOTAL = 100, 150
START, END = date(2025, 5, 20), date(2025, 5, 26)


def _serve_listing(server: ReplayServer) -> None:
    ids = [f"2505.{10000 + n}" for n in range(TOTAL)]
    common = {
        "search_query": category_query("cs.CL", START, END),
        "sortBy": "submittedDate",
        "sortOrder": "ascending",
        "max_results": PAGE,
    }
    for start in range(0, TOTAL, PAGE):
        entries = [atom_entry(i) for i in ids[start : start + PAGE]]
        server.add_feed(atom_feed(entries, total=TOTAL, start=start, per_page=PAGE), start=start, **common)


def run(delay: float) -> dict[str, float]:
    with ReplayServer() as server:
        _serve_listing(server)
        source = ArxivSource(ArxivSettings(api_url=server.api_url, delay_seconds=delay, page_size=PAGE))
        t0 = time.perf_counter()
        got = list(source.list_category("cs.CL", START, END, abstract_only=True))
        wall = time.perf_counter() - t0
        reqs = server.api_requests
        papers = sum(isinstance(p, Paper) for p in got)
        gap = reqs[1].at - reqs[0].at if len(reqs) > 1 else 0.0
    return {"delay_s": delay, "requests": len(reqs), "papers": papers, "gap_s": gap, "wall_s": wall}


def main(argv: list[str]) -> None:
    delays = [float(a) for a in argv] or [3.0, 0.5]
    print(f"two-page category listing ({TOTAL} papers, page_size={PAGE}) against the replay server")
    print(f"{'delay_s':>8} {'requests':>8} {'papers':>7} {'gap_s':>7} {'wall_s':>7}")
    for delay in delays:
        r = run(delay)
        print(f"{r['delay_s']:>8.2f} {r['requests']:>8d} {r['papers']:>7d} {r['gap_s']:>7.3f} {r['wall_s']:>7.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
