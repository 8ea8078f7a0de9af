"""Crash-safe ingest: an ingest killed at any point resumes on the next run and ends exactly where a clean
run ends (same chunk ids, no orphans in Chroma or BM25), and `papers doctor` finds and repairs what
a crash can leave behind.

One test kills a real `python -m ui.cli ingest` process with SIGKILL (twice, at two points); the
others stop an in-process ingest at precise steps, which is deterministic and needs no model reload.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

import rag.indexer as indexer_module
from rag import Library, Settings
from rag.index.store import Store
from tests import chroma_peek
from tests.conftest import BUNDLED, REPO
from ui.cli import main


class Crash(BaseException):
    """Stands in for kill -9 in-process: nothing in the code under test catches a BaseException."""


def chunk_ids(lib: Library) -> list[str]:
    return chroma_peek.chunk_ids(lib)


def fresh(bundled_library: Library, folder: Path, **overrides) -> Library:
    """A new Library on `folder` (as a new process would open it) sharing the loaded model."""
    lib = Library(Settings(index_dir=folder, **overrides), embedder=bundled_library.embedder)
    return lib


@pytest.fixture
def clean_ids(bundled_library: Library) -> list[str]:
    """A clean, uninterrupted ingest of the same corpus with the same settings."""
    return chunk_ids(bundled_library)


def assert_like_clean(lib: Library, clean: list[str]) -> None:
    assert chunk_ids(lib) == clean
    report = lib.doctor()
    assert report.ok, [p.detail for p in report.problems]
    assert sorted(lib.engine.lexical.current().ids) == clean  # BM25 holds exactly the Chroma chunks
    assert all(p.state == "ready" for p in lib.papers()) and len(lib.papers()) == 19


def _nth_call(target: object, name: str, n: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Make the n-th call of target.name raise Crash (earlier calls go through)."""
    original = getattr(target, name)
    calls = {"n": 0}

    def wrapper(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise Crash(f"{name} call {n}")
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, wrapper)


@pytest.mark.parametrize(
    "point",
    [
        ("set_state", 1),  # first group marked "indexing" and its chunks written, the "ready" mark lost
        ("delete_chunks_of", 2),  # second group marked "indexing", its old chunks not yet deleted
        ("add_chunks", 2),  # first group written and ready, the second group's chunks not written
        ("put_papers", 4),  # three groups ready, the fourth not even marked
        ("bump_revision", 6),  # after every batch, before the final revision bump and BM25 save
    ],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def test_interrupted_ingest_resumes_to_exactly_the_clean_result(
    point, bundled_library, clean_ids, tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(indexer_module, "_BATCH_PAPERS", 4)  # 5 groups of 3-4 papers
    folder = tmp_path / "index"
    lib = fresh(bundled_library, folder)
    name, n = point
    _nth_call(Store, name, n, monkeypatch)
    with pytest.raises(Crash):
        lib.ingest([str(BUNDLED)])
    monkeypatch.undo()

    resumed = fresh(bundled_library, folder)
    report = resumed.ingest([str(BUNDLED)])
    assert not report.failed
    assert len(report.added) + len(report.unchanged) == 19
    assert_like_clean(resumed, clean_ids)
    assert resumed.search("panoramic images", k=1)[0].chunk_id in clean_ids


def _state_counts(index: Path) -> dict[str, int]:
    """Catalogue states as another process sees them, read-only from Chroma's SQLite file."""
    db = index / "chroma" / "chroma.sqlite3"
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.5)
        try:
            rows = con.execute(
                "select string_value, count(*) from embedding_metadata where key='state' group by 1"
            ).fetchall()
        finally:
            con.close()
    except sqlite3.Error:
        return {}
    return dict(rows)


def _ingest_until(index: Path, corpus: Path, stop, timeout: float = 240.0) -> int:
    """Run `python -m ui.cli ingest` and SIGKILL it once stop(state counts) is true; returns the exit code."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    cmd = [sys.executable, "-m", "ui.cli", "ingest", str(corpus), "--index", str(index)]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + timeout
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if stop(_state_counts(index)):
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.02)
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_sigkilled_cli_ingest_resumes_without_duplicates_or_orphans(bundled_library, clean_ids, tmp_path) -> None:
    """kill -9 a real ingest process mid-batch, then after some papers are ready; the rerun completes it."""
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(BUNDLED.read_bytes())
    index = tmp_path / "index"

    code = _ingest_until(index, corpus, lambda c: c.get("indexing", 0) > 0)
    assert code == -signal.SIGKILL, "the ingest finished before it could be killed mid-batch"
    lib = fresh(bundled_library, index)
    assert not lib.doctor().ok  # an interrupted paper is visible to the doctor

    code = _ingest_until(index, corpus, lambda c: c.get("ready", 0) >= 1)
    killed_late = code == -signal.SIGKILL

    resumed = fresh(bundled_library, index)
    before = {p.id for p in resumed.store.papers() if p.state == "ready"}
    report = resumed.ingest([str(corpus)])
    assert not report.failed
    assert {pid for pid, _ in report.unchanged} == before  # ready papers are skipped, not redone
    assert_like_clean(resumed, clean_ids)
    if killed_late:
        assert before, "the second kill came after some papers were ready"


def test_doctor_reports_and_repairs_every_kind_of_damage(bundled_library, tmp_path, capsys) -> None:
    lib = fresh(bundled_library, tmp_path / "index")
    lib.ingest([str(BUNDLED)])
    index = ["--index", str(tmp_path / "index")]
    assert main(["doctor", *index]) == 0
    assert "consistent" in capsys.readouterr().out

    papers = sorted(p.id for p in lib.store.papers())
    lib.store.set_state([papers[0]], "indexing")  # interrupted paper
    victim = chroma_peek.chunk_ids(lib, paper_id=papers[1])
    chroma_peek.chunks(lib).delete(ids=victim[:1])  # a ready paper missing a chunk
    chroma_peek.catalogue(lib).delete(ids=[papers[2]])  # chunks whose paper is gone
    folder = lib.engine.lexical.folder
    (folder.with_name("bm25.tmp")).mkdir()  # a save interrupted by a crash
    (folder / "rows.json").write_text("{not json", encoding="utf-8")  # corrupt BM25

    assert main(["doctor", *index, "--json"]) == 1
    kinds = {p["kind"] for p in json.loads(capsys.readouterr().out)["problems"]}
    assert kinds == {"not_ready", "chunk_count", "orphan_chunks", "bm25_tmp", "bm25_corrupt"}

    assert main(["doctor", *index]) == 1
    out = capsys.readouterr().out
    assert "papers doctor --repair" in out and out.count("problem ") == 5

    assert main(["doctor", "--repair", *index]) == 0
    out = capsys.readouterr().out
    assert out.count("repaired ") >= 5 and "rebuilt the BM25 index" in out
    assert main(["doctor", *index]) == 0
    assert "consistent" in capsys.readouterr().out

    after = fresh(bundled_library, tmp_path / "index")
    assert {p.id for p in after.store.papers()} == set(papers[3:])
    # the removed papers come back by ingesting the source again
    report = after.ingest([str(BUNDLED)])
    assert len(report.added) == 3 and len(report.unchanged) == 16
    assert after.doctor().ok


def test_doctor_stale_bm25_is_rebuilt_and_queries_never_use_it(bundled_library, tmp_path) -> None:
    lib = fresh(bundled_library, tmp_path / "index")
    lib.ingest([str(BUNDLED)])
    lib.store.bump_revision()  # chunks changed behind BM25's back (e.g. a writer died before saving it)
    report = lib.doctor()
    assert [p.kind for p in report.problems] == ["bm25_stale"]
    fresh(bundled_library, tmp_path / "index").search("NOVER verifier", k=1)  # a query rebuilds it
    assert lib.doctor().ok
