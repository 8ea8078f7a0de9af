"""Questions while an ingest runs (threads in one process, and another process), and one writer per index."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from rag import Library, Settings
from tests.conftest import BUNDLED, REPO
from ui.cli import main


@pytest.fixture
def shared_model(bundled_library, monkeypatch):
    """Every Library made in this test (also by `ui.cli.main`) uses the already-loaded model."""
    monkeypatch.setattr("rag.engine.shared_embedder", lambda settings, model=bundled_library.embedder: model)


def _halves(tmp_path: Path) -> tuple[Path, Path]:
    lines = BUNDLED.read_text(encoding="utf-8").splitlines(keepends=True)
    first, rest = tmp_path / "first.jsonl", tmp_path / "rest.jsonl"
    first.write_text("".join(lines[:10]), encoding="utf-8")
    rest.write_text("".join(lines[10:]), encoding="utf-8")
    return first, rest


def test_questions_during_an_ingest_in_another_thread(shared_model, tmp_path, monkeypatch) -> None:
    import rag.indexer as indexer_module

    monkeypatch.setattr(indexer_module, "_BATCH_PAPERS", 2)  # many small commits to race with
    first, rest = _halves(tmp_path)
    folder = tmp_path / "index"
    writer = Library(Settings(index_dir=folder))
    writer.ingest([str(first)])
    readers = [writer, Library(Settings(index_dir=folder))]  # the writer's own object and a second one

    errors: list[BaseException] = []
    done = threading.Event()

    def ingest() -> None:
        try:
            writer.ingest([str(rest)])
        except BaseException as exc:
            errors.append(exc)
        finally:
            done.set()

    thread = threading.Thread(target=ingest)
    thread.start()
    asked = 0
    deadline = time.monotonic() + 120
    while (not done.is_set() or asked < 4) and time.monotonic() < deadline:
        reader = readers[asked % 2]
        hits = reader.search("verifier-free reinforcement learning NOVER", k=3)
        assert hits and all(h.text for h in hits)
        answer = reader.ask("How does NOVER avoid an external verifier?")
        assert answer.text.strip()
        asked += 1
    thread.join(timeout=120)
    assert not errors, errors
    assert asked >= 4
    report = Library(Settings(index_dir=folder)).doctor()
    assert report.ok, [p.detail for p in report.problems]
    assert len(readers[1].papers()) == 19
    top = readers[1].search("StepSearch step-wise proximal policy optimization for search", k=3)
    assert any("StepSearch" in h.title for h in top)  # a paper from the second half, seen by the other object


def _wait_for_lock(index: Path, proc: subprocess.Popen, timeout: float = 240.0) -> str:
    lock = index / "write.lock"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and proc.poll() is None:
        text = lock.read_text() if lock.exists() else ""
        if "pid" in text:
            return text
        time.sleep(0.05)
    pytest.fail("the ingest process never took the write lock")


def test_second_writer_process_gets_one_clear_line(shared_model, tmp_path, capsys) -> None:
    first, rest = _halves(tmp_path)
    index = tmp_path / "index"
    Library(Settings(index_dir=index)).ingest([str(first)])
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "ingest", str(rest), "--index", str(index)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        holder = _wait_for_lock(index, proc)
        assert holder == f"papers (pid {proc.pid})"
        # a second writer (the CLI, in this process) is refused with one clear line
        code = main(["ingest", str(rest), "--index", str(index)])
        err = capsys.readouterr().err
        assert code == 2 and err.count("\n") == 1
        assert f"being written by papers (pid {proc.pid})" in err and "Traceback" not in err
        out, err = proc.communicate(timeout=240)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert "9 added" in out
    after = Library(Settings(index_dir=index))
    assert len(after.papers()) == 19
    assert after.doctor().ok
    # the new papers are searchable from a new process (this process's embedded Chroma keeps the vector
    # index it loaded before the other process wrote: see test_reader_in_another_process_during_an_ingest)
    done = subprocess.run(
        [sys.executable, "-m", "ui.cli", "search", "StepSearch step-wise search", "--json", "--index", str(index)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr[-300:]
    assert any("StepSearch" in h["title"] for h in json.loads(done.stdout))
    # and once the writer is gone, writing works again
    assert main(["ingest", str(rest), "--index", str(index)]) == 0
    assert "9 unchanged" in capsys.readouterr().out


def test_reader_in_another_process_during_an_ingest(shared_model, tmp_path) -> None:
    first, rest = _halves(tmp_path)
    index = tmp_path / "index"
    Library(Settings(index_dir=index)).ingest([str(first)])
    reader = Library(Settings(index_dir=index))
    assert reader.search("verifier-free reinforcement learning", k=3)
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "ingest", str(rest), "--index", str(index)],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for_lock(index, proc)
        while proc.poll() is None:
            assert reader.search("verifier-free reinforcement learning", k=3)
            assert reader.ask("How does NOVER avoid an external verifier?").text.strip()
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    assert proc.returncode == 0
