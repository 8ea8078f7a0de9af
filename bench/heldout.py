"""The held-out papers: five statistics articles (Journal of Statistical Software style) that no weight of
the answerer was fitted on, fetched from the Debian packages of R that ship them as vignettes.

    python -m bench.heldout                      # fetch into ~/.cache/papers-bench/heldout (or $PAPERS_BENCH_HELDOUT)
    python -m bench.heldout --debs /tmp/s7deb    # use .deb files already downloaded there (no apt needed)
    make heldout-pdfs                            # the same as the first line

Each package version is pinned (bench/debian_pdfs.py fetches and checks them). Nothing here runs in tests
or CI; the question sets that use these PDFs are bench/questions/heldout_*.jsonl (split "test": never
trained on), scored by `python -m bench.eval_answers heldout`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.debian_pdfs import FetchError as HeldoutError  # noqa: F401  (the name callers know)
from bench.debian_pdfs import Vignette, VignetteSet

HELDOUT_DIR = Path(os.environ.get("PAPERS_BENCH_HELDOUT", Path.home() / ".cache" / "papers-bench" / "heldout"))

VIGNETTES = (
    Vignette(
        "r-cran-lme4",
        "1.1-31-1",
        "usr/lib/R/site-library/lme4/doc/lmer.pdf",
        "d13d6caf549b44c3543d01a7445c327ac472d266a8aee24f68a8d31d45d02ec9",
    ),
    Vignette(
        "r-cran-pscl",
        "1.5.5-1+b1",
        "usr/lib/R/site-library/pscl/doc/countreg.pdf",
        "8ff9cb8331837ff2d21c4a840efbe4e5bdc10a1008edc0c39b8ba47d145cea04",
    ),
    Vignette(
        "r-cran-sandwich",
        "3.0-2-1",
        "usr/lib/R/site-library/sandwich/doc/sandwich-CL.pdf",
        "f3a765482a629c8c9369020d13632ec5c37520df17e22266eb9e2928270e94bb",
    ),
    Vignette(
        "r-cran-strucchange",
        "1.5-3-1",
        "usr/lib/R/site-library/strucchange/doc/strucchange-intro.pdf",
        "56587481ea07ff51645290c24e328d4461656bcbf19d6e9426056e7559a4a198",
    ),
    Vignette(
        "r-cran-zoo",
        "1.8-11-1",
        "usr/lib/R/site-library/zoo/doc/zoo.pdf",
        "fd63de7b0dc3122272339ff49e6ceeb47ea71a89a9cb5b7c411c78a7d6c8c332",
    ),
)

HELDOUT = VignetteSet(VIGNETTES, HELDOUT_DIR)
# The set's own names, as callers use them: its PDFs' paths, whether all are fetched, fetch them.
pdf_paths, present, fetch = HELDOUT.pdf_paths, HELDOUT.present, HELDOUT.fetch


def main(argv: list[str] | None = None) -> int:
    return HELDOUT.main(__doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
