"""`papers watch` as a real process on a real folder, and `papers serve --watch`'s log in the Library tab.
Every wait is bounded; the watcher is stopped (and waited for) before the test ends."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from tests.conftest import REPO

WAIT = 180.0  # seconds: the first sync loads the model in a fresh process


def _record(title: str) -> str:
    return json.dumps({"id": f"w-{title.split()[0].lower()}", "title": title, "abstract": f"{title}, in depth."})


class Lines:
    """A process's stdout, line by line, read in a thread so that every wait has a deadline."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.seen: list[str] = []
        self._queue: queue.Queue[str] = queue.Queue()
        threading.Thread(target=lambda: [self._queue.put(line) for line in proc.stdout], daemon=True).start()

    def wait_for(self, needle: str, timeout: float = WAIT) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._queue.get(timeout=0.5)
            except queue.Empty:
                continue
            self.seen.append(line.rstrip("\n"))
            if needle in line:
                return line
        raise AssertionError(f"no {needle!r} within {timeout} s; output so far: {self.seen}")


def test_watch_process_adds_quiet_files_and_removes_deleted_ones(tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (folder / "a.jsonl").write_text(_record("Alpha watched retrieval") + "\n", encoding="utf-8")
    env = {
        **os.environ,
        "PAPERS_WATCH_QUIET_SECONDS": "3",
        "PAPERS_WATCH_DEBOUNCE_MS": "200",
        "PYTHONUNBUFFERED": "1",
    }
    cmd = [sys.executable, "-m", "ui.cli", "watch", str(folder), "--index", str(tmp_path / "index")]
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = Lines(proc)
        lines.wait_for("added      Alpha watched retrieval")
        # A file written in two steps, the first half being no valid JSON: it is taken once it is quiet.
        growing = folder / "b.jsonl"
        with growing.open("w", encoding="utf-8") as handle:
            handle.write(_record("Beta half written")[:30])
            handle.flush()
            time.sleep(0.5)
            handle.write(_record("Beta half written")[30:] + "\n")
        lines.wait_for("added      Beta half written")
        (folder / "a.jsonl").unlink()
        lines.wait_for("removed    Alpha watched retrieval")
        assert not [line for line in lines.seen if line.startswith("problem")], lines.seen
        # The folder disappears (an unplugged disk): one line, nothing removed; back with a new file: synced.
        away = folder.rename(tmp_path / "unplugged")
        gone = lines.wait_for("problem    ")
        assert gone.rstrip("\n") == (
            f"problem    {folder}: folder not found (moved or unmounted?); what was indexed from it is kept"
        )
        (away / "c.jsonl").write_text(_record("Gamma after the disk came back") + "\n", encoding="utf-8")
        away.rename(folder)
        lines.wait_for("added      Gamma after the disk came back")
        assert not [line for line in lines.seen if line.startswith("removed    Beta")], lines.seen
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    from rag import Library, Settings

    assert sorted(p.id for p in Library(Settings(index_dir=tmp_path / "index")).papers()) == ["w-beta", "w-gamma"]


def test_serve_watch_shows_what_was_added_and_removed_in_the_library_tab(make_library, tmp_path: Path) -> None:
    from ui.app import build_app
    from ui.cli import _start_watching

    folder = tmp_path / "inbox"
    folder.mkdir()
    library = make_library(watch_quiet_seconds=0.2, watch_debounce_ms=200)
    stop = _start_watching(library, [str(folder)])
    try:
        app = build_app(library).papers_app
        assert app.watching == [str(folder)]
        (folder / "c.jsonl").write_text(_record("Gamma shown in the app") + "\n", encoding="utf-8")
        rows = _wait_rows(app, "added")
        assert rows[0][2] == "Gamma shown in the app [w-gamma]"
        _, events, *lists = app.sync_tick(0)  # the page's lists follow, the Library table among them
        listed = [r[0] for r in lists[6]["data"] if r[0].startswith("Gamma")]
        assert events >= 1 and listed == ["Gamma shown in the app"]
        (folder / "c.jsonl").unlink()
        rows = _wait_rows(app, "removed")
        assert rows[0][2] == "Gamma shown in the app [w-gamma]"
    finally:
        stop.set()
        for thread in [t for t in threading.enumerate() if t.name == "papers-watch"]:
            thread.join(timeout=30)
            assert not thread.is_alive()
    assert library.papers() == []


def _wait_rows(app, what: str, timeout: float = 60.0) -> list[list[str]]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        rows = app.sync_rows()
        if rows and rows[0][1] == what:
            return rows
        time.sleep(0.2)
    raise AssertionError(f"no {what!r} in the sync log within {timeout} s: {app.sync_rows()}")
