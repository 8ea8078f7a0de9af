"""IR metrics over ranked lists of document ids, as BEIR/pytrec_eval define them.

Small and dependency-free so the harness and its tests agree on exactly one definition:
nDCG@k uses graded gains rel / log2(rank + 1) and the ideal DCG of the judged documents;
Recall@k is the share of relevant documents found in the top k; MRR@k the reciprocal rank of
the first relevant one (0 when none is in the top k).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np


def ndcg_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 10) -> float:
    dcg = sum(
        qrels.get(doc, 0) / math.log2(rank + 1) for rank, doc in enumerate(ranking[:k], 1) if qrels.get(doc, 0) > 0
    )
    ideal = sorted((g for g in qrels.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(rank + 1) for rank, g in enumerate(ideal, 1))
    return dcg / idcg if idcg else 0.0


def recall_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 100) -> float:
    relevant = {d for d, g in qrels.items() if g > 0}
    if not relevant:
        return 0.0
    return len(relevant & set(ranking[:k])) / len(relevant)


def mrr_at_k(ranking: Sequence[str], qrels: Mapping[str, int], k: int = 10) -> float:
    for rank, doc in enumerate(ranking[:k], 1):
        if qrels.get(doc, 0) > 0:
            return 1.0 / rank
    return 0.0


def evaluate(runs: Mapping[str, Sequence[str]], qrels: Mapping[str, Mapping[str, int]]) -> dict[str, float]:
    """Mean nDCG@10, Recall@100, MRR@10 and rank-1 accuracy over the judged queries in `runs`."""
    judged = [q for q in runs if q in qrels]
    if not judged:
        return {"nDCG@10": 0.0, "Recall@100": 0.0, "MRR@10": 0.0, "Acc@1": 0.0, "queries": 0}
    return {
        "nDCG@10": float(np.mean([ndcg_at_k(runs[q], qrels[q], 10) for q in judged])),
        "Recall@100": float(np.mean([recall_at_k(runs[q], qrels[q], 100) for q in judged])),
        "MRR@10": float(np.mean([mrr_at_k(runs[q], qrels[q], 10) for q in judged])),
        "Acc@1": float(np.mean([1.0 if mrr_at_k(runs[q], qrels[q], 1) else 0.0 for q in judged])),
        "queries": len(judged),
    }


def pct(flags: Sequence[bool]) -> float | str:
    """The share of true flags in percent, one decimal ("n/a" for none): how the answer benches report."""
    return round(100 * sum(flags) / len(flags), 1) if flags else "n/a"


def margin(flags: Sequence[bool], z: float = 1.96) -> float | str:
    """Half the width of the 95 % Wilson interval around `pct(flags)`, in points: how far the same system
    could land on as many other questions. Two runs that differ by less than it differ by the questions drawn,
    not by the system (Wilson, not the normal approximation: it stays honest near 0 % and 100 %)."""
    n = len(flags)
    if not n:
        return "n/a"
    p = sum(flags) / n
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return round(100 * half, 1)
