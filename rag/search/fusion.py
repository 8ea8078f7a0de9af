"""Merging the dense and the lexical ranking into one (hybrid retrieval)."""

from __future__ import annotations


def reciprocal_rank_fusion(
    rankings: list[list[str]], k: int = 60, weights: list[float] | None = None
) -> list[tuple[str, float]]:
    """Cormack et al.'s RRF: sum of weight / (k + rank) over the lists an item appears in."""
    weights = weights or [1.0] * len(rankings)
    fused: dict[str, float] = {}
    for ranking, weight in zip(rankings, weights, strict=True):
        for rank, item in enumerate(ranking, 1):
            fused[item] = fused.get(item, 0.0) + weight / (k + rank)
    return sorted(fused.items(), key=lambda kv: -kv[1])


def convex_fusion(
    dense: dict[str, float], lexical: dict[str, float], dense_weight: float = 0.5
) -> list[tuple[str, float]]:
    """Weighted sum of min-max normalised scores over the union of candidates (every candidate carries
    both scores). Unlike RRF it keeps how far apart the scores are, not only their order."""

    def normalise(scores: dict[str, float]) -> dict[str, float]:
        if not scores:
            return {}
        lo, hi = min(scores.values()), max(scores.values())
        span = hi - lo
        return {c: (v - lo) / span if span > 0 else 1.0 for c, v in scores.items()}

    nd, nl = normalise(dense), normalise(lexical)
    items = set(nd) | set(nl)
    fused = {c: dense_weight * nd.get(c, 0.0) + (1 - dense_weight) * nl.get(c, 0.0) for c in items}
    return sorted(fused.items(), key=lambda kv: -kv[1])
