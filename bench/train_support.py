"""A learned support score, measured: a small head over the frozen embedder's vectors of (question,
sentence) — [q·s elementwise, |q − s|, cos] → one hidden ReLU layer → a logit — fitted on labelled pairs.
It is NOT in the product: wired in as one more feature of the sentence scorer and of the answerability
model and both refitted, it did not improve the dev split (numbers below), so the answerer does not use it.
The script stays so the experiment can be rerun (another embedder, more labelled pairs).

    python -m bench.eval_answers pdfs --work DIR                  # builds the index DIR/pdfs once
    python -m bench.train_support --work DIR/pdfs [--dry-run]     # pairs (cached in DIR/pdfs), fit, report
    python -m bench.train_support --work DIR/pdfs --sources scifact

Pairs of two kinds:
- bench/questions (train split only): the product's own candidate sentences of each question
  (`extractive.scored_candidates`); the sentences holding the answer span are positive, the others
  negative, and every candidate of an on-topic unanswerable question is negative.
- BEIR SciFact train claims (../shared/eval/scifact; not the claims `eval_answers scifact` asks, nor the
  dev third `train_answerability` calibrates statements on): the sentences of the gold abstracts are a
  positive *bag* (BEIR has no rationale labels: at least one of them supports the claim), and the
  sentences of the three nearest non-gold abstracts by TF-IDF (near misses on the claim's words) negative.

The loss per question: log-loss of its positives' soft maximum (one of them holds the answer) and of each
negative (the score stays comparable across questions, which deciding to decline needs), plus a listwise
term (the softmax over its candidates puts its mass on the positives: what choosing a sentence needs).
Reported: top-1/top-3 of the support score alone vs cosine alone (bench train and dev, SciFact held-out
claims) and the pair-level ROC AUC.

Measured (2026-12-03; 572 questions, 25k pairs; a 94 kB head): the support score alone ranks bench dev
sentences worse than cosine (top-1 0.362 vs 0.420, pair AUC 0.853 vs 0.859; fitted on SciFact only:
0.319); SciFact held-out claims slightly better (top-1 0.676 vs 0.640). As a scorer feature: dev top-1
0.569 → 0.583, top-3 0.792 → 0.722. As an answerability signal its dev ROC AUC (answerable vs
unanswerable) was 0.715, the best single signal (today's: 0.697 best score, 0.706 focus overlap, 0.691
best cosine) and the fitted model's rose 0.766 → 0.792, but at the calibrated threshold dev false declines
rose 5.0 % → 13.0 % for declines 61.1 % → 66.7 %.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.qa_sets import QUESTIONS, corpus_inputs, read_jsonl  # noqa: E402
from bench.train_answer_scorer import examples, items  # noqa: E402
from bench.train_answerability import scifact_claims, unanswerable_items  # noqa: E402

SCIFACT = ROOT.parent / "shared" / "eval" / "scifact"
NEAR_MISSES = 3


@dataclass(frozen=True)
class SupportHead:
    hidden_w: np.ndarray  # (2 · dim + 1, hidden)
    hidden_b: np.ndarray  # (hidden,)
    out_w: np.ndarray  # (hidden,)
    out_b: float
    model: str  # the embedder whose vectors it was fitted on

    def logits(self, query: np.ndarray, sentences: np.ndarray) -> np.ndarray:
        """(n,) support logits of the rows of `sentences` (unit vectors) for the unit vector `query`."""
        h = pair_features(query, sentences) @ self.hidden_w + self.hidden_b
        return np.maximum(h, 0.0) @ self.out_w + self.out_b

    def save(self, path: Path) -> None:
        np.savez_compressed(
            path, hidden_w=self.hidden_w, hidden_b=self.hidden_b, out_w=self.out_w, out_b=self.out_b, model=self.model
        )


def pair_features(query: np.ndarray, sentences: np.ndarray) -> np.ndarray:
    """(n, 2 · dim + 1): what the head reads of each (question, sentence) pair."""
    sentences = np.atleast_2d(sentences).astype(np.float32, copy=False)
    query = np.asarray(query, dtype=np.float32).reshape(-1)
    cos = sentences @ query
    return np.hstack([sentences * query, np.abs(sentences - query), cos[:, None]])


@dataclass
class Group:
    """One question's candidate sentences and which of them support it (for SciFact: a bag, one of them)."""

    query: np.ndarray  # (dim,)
    sentences: np.ndarray  # (n, dim)
    labels: np.ndarray  # (n,) bool
    source: str  # "bench" | "scifact"
    split: str  # "train" | "dev" (bench) | "held" (SciFact claims kept out of the fit)


def bench_groups(lib) -> list[Group]:
    out = []
    for item in items():
        if item.split != "train" or item.corpus != "pdfs":
            continue  # dev questions stay unseen; they are scored below through the same code
        _, y, candidates, vector = examples(lib, item)
        if candidates and y.any():
            out.append(Group(vector, np.vstack([c.vector for c in candidates]), y, "bench", "train"))
    for question, split, corpus, _ in unanswerable_items():
        if split != "train" or corpus != "pdfs":
            continue
        _, _, candidates, vector = examples(lib, _unanswerable(question))
        if candidates:
            n = len(candidates)
            out.append(Group(vector, np.vstack([c.vector for c in candidates]), np.zeros(n, bool), "bench", "train"))
    return out


def bench_dev(lib) -> list[Group]:
    out = []
    for item in items():
        if item.split == "dev" and item.corpus == "pdfs":
            _, y, candidates, vector = examples(lib, item)
            if candidates and y.any():
                out.append(Group(vector, np.vstack([c.vector for c in candidates]), y, "bench", "dev"))
    return out


def _unanswerable(question: str):
    from bench.train_answer_scorer import Item

    return Item(question, [], "train")


def scifact_groups(lib, limit: int) -> list[Group]:
    """Claims vs the sentences of their gold abstracts (a bag) and of their nearest non-gold ones; every
    fifth claim is held out of the fit (reported)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    from ingest.sentences import sentence_spans
    from rag.answers.scoring import DEFAULT_SCORING as W

    if not SCIFACT.exists():
        print(f"no SciFact at {SCIFACT}: bench pairs only")
        return []
    asked = {
        r["question"]
        for n in ("scifact_answerable", "scifact_unanswerable")
        for r in read_jsonl(QUESTIONS / f"{n}.jsonl")
    }
    asked |= {claim for claim, _, split in scifact_claims() if split == "dev"}
    qrels: dict[str, list[str]] = {}
    for line in (SCIFACT / "qrels" / "train.tsv").read_text().splitlines()[1:]:
        qid, doc, _ = line.split("\t")
        qrels.setdefault(qid, []).append(doc)
    claims = [q for q in read_jsonl(SCIFACT / "queries_train.jsonl") if q["_id"] in qrels and q["text"] not in asked]
    claims = claims[:limit]
    corpus = read_jsonl(SCIFACT / "corpus.jsonl")
    ids = [d["_id"] for d in corpus]
    at = {d: i for i, d in enumerate(ids)}
    tfidf = TfidfVectorizer(sublinear_tf=True, stop_words="english")
    docs = tfidf.fit_transform([f"{d['title']} {d['text']}" for d in corpus])
    near = (tfidf.transform([c["text"] for c in claims]) @ docs.T).toarray()

    def sentences(doc: str) -> list[str]:
        text = corpus[at[doc]]["text"]
        spans = [text[a:b] for a, b in sentence_spans(text)]
        return [s for s in spans if W.min_sentence_chars <= len(s) <= W.max_sentence_chars]

    plan = []
    for n, claim in enumerate(claims):
        gold = [d for d in qrels[claim["_id"]] if d in at]
        others = [ids[i] for i in np.argsort(-near[n]) if ids[i] not in gold][:NEAR_MISSES]
        pos = [s for d in gold for s in sentences(d)]
        neg = [s for d in others for s in sentences(d)]
        if pos and neg:
            plan.append((claim["text"], pos, neg, "held" if n % 5 == 4 else "train"))
    texts = sorted({s for _, pos, neg, _ in plan for s in pos + neg})
    started = time.perf_counter()
    vectors = dict(zip(texts, lib.engine.embedder.encode(texts), strict=True))
    print(
        f"SciFact: {len(plan)} claims, {len(texts)} sentences encoded in {time.perf_counter() - started:.0f} s",
        flush=True,
    )
    out = []
    for claim, pos, neg, split in plan:
        query = lib.engine.embedder.encode_query(claim)
        labels = np.array([True] * len(pos) + [False] * len(neg))
        out.append(Group(query, np.vstack([vectors[s] for s in pos + neg]), labels, "scifact", split))
    return out


def fit(groups: list[Group], *, hidden: int, epochs: int, lr: float, decay: float, listwise: float, seed: int):
    """The head, fitted with torch (bench only: the product applies it in numpy)."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    data = [(torch.from_numpy(pair_features(g.query, g.sentences)), torch.from_numpy(g.labels)) for g in groups]
    dim = data[0][0].shape[1]
    net = torch.nn.Sequential(torch.nn.Linear(dim, hidden), torch.nn.ReLU(), torch.nn.Linear(hidden, 1))
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=decay)
    bce = torch.nn.functional.binary_cross_entropy_with_logits
    for epoch in range(epochs):
        total = 0.0
        for start in range(0, len(data), 16):
            batch = [data[i] for i in rng.permutation(len(data))[start : start + 16]]
            loss = torch.zeros(())
            for x, y in batch:
                s = net(x).squeeze(-1)
                neg = s[~y]
                term = bce(neg, torch.zeros_like(neg)) if len(neg) else torch.zeros(())
                if y.any():
                    pos = s[y]
                    pooled = torch.logsumexp(pos, 0)  # the bag's soft maximum: one of them supports it
                    term = term + bce(pooled, torch.ones(()))
                    term = term - listwise * (torch.logsumexp(pos, 0) - torch.logsumexp(s, 0))
                loss = loss + term
            opt.zero_grad()
            (loss / len(batch)).backward()
            opt.step()
            total += float(loss.detach())
        if epoch % 5 == 4 or epoch == epochs - 1:
            print(f"  epoch {epoch + 1}: loss {total / len(data):.4f}", flush=True)
    first, last = net[0], net[2]
    return (
        first.weight.detach().numpy().T.copy(),
        first.bias.detach().numpy().copy(),
        last.weight.detach().numpy()[0].copy(),
        float(last.bias.detach()),
    )


def auc(pos: np.ndarray, neg: np.ndarray) -> float:
    """ROC AUC of scores `pos` (should be higher) against `neg`."""
    from sklearn.metrics import roc_auc_score

    if not len(pos) or not len(neg):
        return float("nan")
    return float(roc_auc_score(np.r_[np.ones(len(pos)), np.zeros(len(neg))], np.r_[pos, neg]))


def report(name: str, groups: list[Group], score) -> None:
    """Top-1/top-3 holds a positive, and pair AUC, for `score(group)` against cosine alone."""
    if not groups:
        return
    for label, fn in (("support", score), ("cosine", lambda g: g.sentences @ g.query)):
        scores = [fn(g) for g in groups]
        tops = {
            k: np.mean([g.labels[np.argsort(-s)[:k]].any() for g, s in zip(groups, scores, strict=True)])
            for k in (1, 3)
        }
        pos = np.concatenate([s[g.labels] for g, s in zip(groups, scores, strict=True)])
        neg = np.concatenate([s[~g.labels] for g, s in zip(groups, scores, strict=True)])
        print(f"{name} ({len(groups)} q): {label:<8} top-1 {tops[1]:.3f}  top-3 {tops[3]:.3f}  ", end="")
        print(f"pair AUC {auc(pos, neg):.3f}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--work", type=Path, default=Path("/tmp/papers-eval-answers/pdfs"), help="index folder")
    ap.add_argument("--claims", type=int, default=700, help="SciFact train claims to build pairs from")
    ap.add_argument("--hidden", type=int, default=32)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--decay", type=float, default=1e-2)
    ap.add_argument("--listwise", type=float, default=0.5, help="weight of the listwise term")
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--sources", default="bench,scifact", help="which pairs to fit on (comma-separated)")
    ap.add_argument("--rebuild", action="store_true", help="rebuild the pairs (else reuse the work folder's cache)")
    ap.add_argument("--dry-run", action="store_true", help="do not write the head (DIR/support_head.npz)")
    args = ap.parse_args(argv)

    from rag import Library, Settings

    lib = Library(Settings(index_dir=args.work / "index"))
    cache = args.work / "support_pairs.pkl"
    if cache.exists() and not args.rebuild:
        groups, dev = pickle.loads(cache.read_bytes())
    else:
        lib.ingest(corpus_inputs())
        groups, dev = bench_groups(lib) + scifact_groups(lib, args.claims), bench_dev(lib)
        cache.write_bytes(pickle.dumps((groups, dev)))
    groups = [g for g in groups if g.sentences.shape[1:] == g.query.shape]  # a candidate without a vector
    dev = [g for g in dev if g.sentences.shape[1:] == g.query.shape]
    train = [g for g in groups if g.split == "train" and g.source in args.sources.split(",")]
    held = [g for g in groups if g.split == "held"]
    pairs = sum(len(g.labels) for g in train)
    print(f"fit on {len(train)} questions ({sum(g.source == 'bench' for g in train)} bench), {pairs} pairs")
    started = time.perf_counter()
    w1, b1, w2, b2 = fit(
        train, hidden=args.hidden, epochs=args.epochs, lr=args.lr, decay=args.decay, listwise=args.listwise,
        seed=args.seed,
    )  # fmt: skip
    print(f"fitted in {time.perf_counter() - started:.0f} s")
    head = SupportHead(w1, b1, w2, b2, lib.settings.embed_model)
    report(
        "bench train",
        [g for g in groups if g.split == "train" and g.source == "bench" and g.labels.any()],
        lambda g: head.logits(g.query, g.sentences),
    )
    report("bench dev", dev, lambda g: head.logits(g.query, g.sentences))
    report("SciFact held-out claims", held, lambda g: head.logits(g.query, g.sentences))
    if not args.dry_run:
        out = args.work / "support_head.npz"
        head.save(out)
        print(f"wrote {out} ({out.stat().st_size / 1e3:.0f} kB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
