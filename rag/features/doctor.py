"""`papers doctor`: find (and with `repair=True` fix) disagreements between the three parts of an index.

The catalogue (one record per paper, its state and chunk count), the Chroma chunk collection and the
BM25 folder are written one after another, so a crash, a full disk or a killed process can leave them
out of step. Ingest already redoes papers left "indexing"; the doctor covers what ingest cannot see:
chunks whose paper is gone or not ready, ready papers with the wrong number of chunks, a BM25 folder
that is stale or unreadable, and a leftover `bm25.tmp`. Checking needs no embedding model.
"""

from __future__ import annotations

import shutil
from collections import Counter
from dataclasses import dataclass, field

from rag.engine import Engine
from rag.index.lexical import LexicalIndex
from rag.index.locks import lock_holder


@dataclass
class Problem:
    """One inconsistency: what kind, which paper (if any), and a one-line description."""

    kind: str  # not_ready | orphan_chunks | chunk_count | bm25_stale | bm25_corrupt | bm25_missing | bm25_tmp
    detail: str
    paper_id: str = ""
    chunk_ids: list[str] = field(default_factory=list)


@dataclass
class DoctorReport:
    location: str
    papers: int = 0
    chunks: int = 0
    revision: int = 0
    problems: list[Problem] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)
    writer: str | None = None  # set when another process holds the write lock (results may be transient)

    @property
    def ok(self) -> bool:
        return not self.problems


def check(engine: Engine) -> DoctorReport:
    """Compare catalogue, chunks and BM25; returns every problem found (nothing is changed)."""
    store = engine.store
    store.open_for_read()  # format check, whatever model built it
    report = DoctorReport(
        location=store.location, revision=store.revision, writer=lock_holder(engine.settings.lock_dir)
    )
    records = {r.id: r for r in store.papers()}
    report.papers = len(records)

    by_paper: dict[str, list[str]] = {}
    all_ids: list[str] = []
    for cid, pid in store.chunk_papers():
        by_paper.setdefault(pid, []).append(cid)
        all_ids.append(cid)
    report.chunks = len(all_ids)
    dupes = [cid for cid, n in Counter(all_ids).items() if n > 1]
    if dupes:
        report.problems.append(Problem("duplicate_chunks", f"{len(dupes)} chunk ids stored twice", chunk_ids=dupes))

    for pid, ids in sorted(by_paper.items()):
        record = records.get(pid)
        if record is None:
            report.problems.append(
                Problem(
                    "orphan_chunks", f"{len(ids)} chunks of {pid or '(no paper id)'} not in the catalogue", pid, ids
                )
            )
    for pid, record in sorted(records.items()):
        ids = by_paper.get(pid, [])
        if record.state != "ready":
            report.problems.append(
                Problem("not_ready", f"{pid} is {record.state!r} (interrupted ingest) with {len(ids)} chunks", pid, ids)
            )
        elif len(ids) != record.chunks:
            report.problems.append(
                Problem("chunk_count", f"{pid} should have {record.chunks} chunks, has {len(ids)}", pid, ids)
            )

    for tmp in engine.lexical.leftovers():
        report.problems.append(Problem("bm25_tmp", f"leftover {tmp} from an interrupted BM25 save"))
    report.problems += _check_bm25(engine.lexical.folder, report.revision, set(all_ids))
    return report


def _check_bm25(folder, revision: int, chunk_ids: set[str]) -> list[Problem]:
    if not folder.exists():
        if not chunk_ids:
            return []
        return [Problem("bm25_missing", f"no BM25 index at {folder} (it is rebuilt on the next query)")]
    try:
        index = LexicalIndex.load(folder)
    except Exception as exc:  # a damaged file can raise anything from numpy/zipfile/json
        return [Problem("bm25_corrupt", f"BM25 index at {folder} cannot be read ({type(exc).__name__})")]
    if index is None:
        return [Problem("bm25_corrupt", f"BM25 index at {folder} is unreadable or from another tokenizer")]
    if index.revision != revision or set(index.ids) != chunk_ids:
        extra = len(set(index.ids) - chunk_ids)
        missing = len(chunk_ids - set(index.ids))
        return [
            Problem(
                "bm25_stale",
                f"BM25 index is at revision {index.revision} (store {revision}): "
                f"{extra} ids not in Chroma, {missing} Chroma chunks not in BM25",
            )
        ]
    return []


def repair(engine: Engine) -> DoctorReport:
    """Fix every problem `check` finds, under the write lock; returns the report of what was found
    (with `repaired` filled in). Papers that lose their chunks leave the catalogue: ingesting their
    source again restores them."""
    with engine.write_lock():
        report = check(engine)
        report.writer = None
        store = engine.store
        changed = False
        for problem in report.problems:
            if problem.kind in ("not_ready", "chunk_count"):
                n = store.delete_paper(problem.paper_id)
                report.repaired.append(
                    f"removed {problem.paper_id} and its {n} chunks (ingest its source again to restore it)"
                )
                changed = True
            elif problem.kind in ("orphan_chunks", "duplicate_chunks"):
                ids = problem.chunk_ids
                store.delete_chunks(ids)
                report.repaired.append(f"deleted {len(ids)} orphan chunks of {problem.paper_id or '(no paper)'}")
                changed = True
            elif problem.kind == "bm25_tmp":
                for tmp in engine.lexical.leftovers():
                    shutil.rmtree(tmp, ignore_errors=True)
                report.repaired.append("removed the leftover BM25 temporary folder")
        bm25_bad = any(p.kind.startswith("bm25_") and p.kind != "bm25_tmp" for p in report.problems)
        if changed:
            store.bump_revision()
        if changed or bm25_bad:
            index = engine.lexical.rebuild()
            report.repaired.append(
                f"rebuilt the BM25 index from Chroma ({len(index.ids)} chunks, revision {index.revision})"
            )
        return report
