"""The training papers: fourteen article-style vignettes from as many fields (ecology, survival analysis, social
networks, forecasting, psychometrics, machine learning, spatial statistics, Bayesian computation, text mining,
clustering, quantile regression, scientific software, statistical graphics, phylogenetics), fetched from the
Debian packages of R that ship them. They widen what the answer scorer and the answerability model are fitted
on beyond ../shared/pdfs. Two of them (vcd, ape) have dev questions only: `eval_answers train-papers` reports
those as "unseen", papers nothing was fitted on.

    python -m bench.train_papers             # into ~/.cache/papers-bench/train-papers ($PAPERS_BENCH_TRAIN_PAPERS)
    python -m bench.train_papers --debs DIR  # use .deb files already downloaded there (no apt needed)
    make train-pdfs                          # the same as the first line

Each package version is pinned (bench/debian_pdfs.py fetches and checks them). Nothing here runs in tests or
CI; the question sets that use these PDFs are bench/questions/train_papers_*.jsonl (split train/dev), read
by bench/train_answer_scorer.py and bench/train_answerability.py and scored by
`python -m bench.eval_answers train-papers`.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from bench.debian_pdfs import Vignette, VignetteSet

TRAIN_PAPERS_DIR = Path(
    os.environ.get("PAPERS_BENCH_TRAIN_PAPERS", Path.home() / ".cache" / "papers-bench" / "train-papers")
)

VIGNETTES = (
    Vignette(  # ecology: diversity indices, rarefaction, species accumulation
        "r-cran-vegan",
        "2.6-4+dfsg-1",
        "usr/lib/R/site-library/vegan/doc/diversity-vegan.pdf",
        "e653242bcabb9ce27e2f877b192f74a784eaa43ff031851a82626945a7dd96b5",
    ),
    Vignette(  # survival analysis / medicine: time-dependent covariates in the Cox model
        "r-cran-survival",
        "3.5-3-1",
        "usr/lib/R/library/survival/doc/timedep.pdf",
        "2ce226d9267a794376a42b7e0f3d93511c2229ed9a871ab73695d43dcaf8ef51",
    ),
    Vignette(  # social networks: relational data structures
        "r-cran-network",
        "1.18.1-1",
        "usr/lib/R/site-library/network/doc/networkVignette.pdf",
        "f1fa524bd6b24b0b79928e08a12c83a8c576d79c4f62c8cee493410e788f4b41",
    ),
    Vignette(  # forecasting: exponential smoothing and ARIMA (JSS 2008)
        "r-cran-forecast",
        "8.20-1",
        "usr/lib/R/site-library/forecast/doc/JSS2008.pdf",
        "396a0fc6ab2b5ef5fe602c963a5b1b4969d42cede7038010bbfe36cb91fd3a2f",
    ),
    Vignette(  # psychometrics: scoring personality scales
        "r-cran-psych",
        "2.2.9-1",
        "usr/lib/R/site-library/psych/doc/scoring.pdf",
        "819d91b230bf26b987dc37e27a223433e5976b142c970f576801cbc27ed39224",
    ),
    Vignette(  # machine learning: support vector machines (libsvm interface)
        "r-cran-e1071",
        "1.7-13-1",
        "usr/lib/R/site-library/e1071/doc/svmdoc.pdf",
        "be8a045b09f32471e0495f5796a5b696b27707dfa73a3611f9e42918e6a51f53",
    ),
    Vignette(  # spatial statistics: spatio-temporal variograms and kriging (air quality, R Journal 2016)
        "r-cran-gstat",
        "2.1-0-1",
        "usr/lib/R/site-library/gstat/doc/spatio-temporal-kriging.pdf",
        "6c0504252c562a0c6fce30f5f5e652a2ac8979bbf7067767e1ccf02206382794",
    ),
    Vignette(  # Bayesian computation: Bayes factors via serial tempering MCMC
        "r-cran-mcmc",
        "0.9-7-1+b1",
        "usr/lib/R/site-library/mcmc/doc/bfst.pdf",
        "72b5350ebfafb2be72e0b67d89119f87bcc730a248e7e1b8462af8cd32b842cf",
    ),
    Vignette(  # text mining: corpora, preprocessing and term-document matrices
        "r-cran-tm",
        "0.7-11-1",
        "usr/lib/R/site-library/tm/doc/tm.pdf",
        "ac08091170c41a1f94ed087848124768d17fafa5ace2afa9d6846778797bedfb",
    ),
    Vignette(  # clustering: density-based clustering with DBSCAN and OPTICS (JSS 2019)
        "r-cran-dbscan",
        "1.1-11+ds-1",
        "usr/lib/R/site-library/dbscan/doc/dbscan.pdf",
        "14f4aad8fc00862763ff5ac3d3615e53018cf5d0b4d9ba005714132d76a2d282",
    ),
    Vignette(  # quantile regression / econometrics: the quantreg tutorial (Engel food expenditure data)
        "r-cran-quantreg",
        "5.94-1",
        "usr/lib/R/site-library/quantreg/doc/rq.pdf",
        "7cced1efe41449cf450b24b9eff5974b83f0a56eb5a40ad58b7d8247993afa3b",
    ),
    Vignette(  # scientific software: seamless R and C++ integration with Rcpp (JSS 2011)
        "r-cran-rcpp",
        "1.0.10-1",
        "usr/lib/R/site-library/Rcpp/doc/Rcpp-jss-2011.pdf",
        "6f7a1aafb95e463bc4a28770dd9ca8309000889d60d4aa1d4a5e6f8ff687be67",
    ),
    Vignette(  # statistical graphics: the strucplot framework for multi-way contingency tables (JSS 2006)
        "r-cran-vcd",
        "1:1.4-11-1",
        "usr/lib/R/site-library/vcd/doc/strucplot.pdf",
        "45dd7f7b8d6f3f5ca1816a585bb0e8410c4fe02c50876cd5174069b70a724b8c",
    ),
    Vignette(  # phylogenetics: enumerating and simulating random tree topologies in ape
        "r-cran-ape",
        "5.7-1",
        "usr/lib/R/site-library/ape/doc/RandomTopologies.pdf",
        "ab85ea28022f7f5f2b653384e96edc4a8d81a28b3e7cd373838df47815b72cb3",
    ),
)

TRAIN_PAPERS = VignetteSet(VIGNETTES, TRAIN_PAPERS_DIR)
# The set's own names, as callers use them: its PDFs' paths, whether all are fetched, fetch them.
pdf_paths, present, fetch = TRAIN_PAPERS.pdf_paths, TRAIN_PAPERS.present, TRAIN_PAPERS.fetch


def main(argv: list[str] | None = None) -> int:
    return TRAIN_PAPERS.main(__doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
