"""Bad input everywhere: one clear line naming the input, the right exit code, never a traceback, and
nothing already indexed is lost. The cases live in bench/bad_inputs.py (which prints them as a table)."""

from __future__ import annotations

import errno
import os
import shutil
import sys
from pathlib import Path

import pytest

from bench.bad_inputs import Case, Ctx, Skip, cases, run, run_case
from rag import Library, Settings
from tests.conftest import BUNDLED, REPO


@pytest.fixture(scope="module")
def ctx(bundled_library, tmp_path_factory):
    """A pristine copy of the bundled index, a working copy, and the shared model for every CLI run."""
    tmp = tmp_path_factory.mktemp("bad-inputs")
    pristine = tmp / "pristine"
    shutil.copytree(bundled_library.settings.index_dir, pristine)
    work = tmp / "work"
    shutil.copytree(pristine, work)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("rag.engine.shared_embedder", lambda settings, model=bundled_library.embedder: model)
        mp.setenv("PAPERS_ARXIV_API_URL", "http://127.0.0.1:9/api/query")  # never the network
        mp.setenv("PAPERS_ARXIV_DELAY_SECONDS", "0")
        mp.setenv("PAPERS_ARXIV_RETRIES", "0")
        yield Ctx(tmp=tmp, index=work, pristine=pristine)


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_bad_input_gets_one_clear_line(case: Case, ctx: Ctx) -> None:
    try:
        got = run_case(case, ctx)
    except Skip as why:
        pytest.skip(str(why))
    expected = case.code if isinstance(case.code, tuple) else (case.code,)
    assert got.code in expected, (got.code, got.out[-500:], got.err[-500:])
    assert "Traceback" not in got.err + got.out
    errors = [ln for ln in got.err.splitlines() if ln.strip() and not ln.startswith("Loading weights")]
    assert len(errors) <= 1, errors  # at most one line on stderr
    assert case.expect in got.out + got.err, (got.out[-500:], got.err[-500:])
    if got.code != 0 and errors:
        assert errors[0].startswith("papers: ")


def test_nothing_indexed_is_lost_after_every_bad_input(ctx: Ctx) -> None:
    for case in cases():
        if case.setup is None and (case.needs is None or case.needs.exists()):
            run_case(case, ctx)
    lib = Library(Settings(index_dir=ctx.index))
    ids = {p.id for p in lib.papers() if p.state == "ready"}
    original = {p.id for p in Library(Settings(index_dir=ctx.pristine)).papers()}
    assert original <= ids
    assert lib.doctor().ok


def test_malformed_lines_are_numbered_and_good_lines_indexed(ctx: Ctx, tmp_path) -> None:
    from bench.bad_inputs import _BAD_BIB, _bad_jsonl

    index = ["--index", str(tmp_path / "index")]
    got = run(["ingest", ctx.file("m.jsonl", _bad_jsonl()), ctx.file("m.bib", _BAD_BIB), *index])
    assert got.code == 1
    failed = [ln for ln in got.out.splitlines() if ln.startswith("failed")]
    assert any("m.jsonl:2: malformed JSON" in ln for ln in failed)
    assert any("m.jsonl:3:" in ln for ln in failed) and any("m.jsonl:4:" in ln for ln in failed)
    assert any("m.bib:" in ln for ln in failed)
    ids = {p.id for p in Library(Settings(index_dir=tmp_path / "index")).papers()}
    assert {"bad-inputs:good-1", "bad-inputs:good-2"} <= ids
    assert any("Well Formed Entry" in p.title for p in Library(Settings(index_dir=tmp_path / "index")).papers())


def test_full_disk_fails_cleanly_and_a_rerun_repairs_everything(ctx: Ctx, tmp_path, monkeypatch) -> None:
    from rag.index.store import Store

    index = tmp_path / "index"
    shutil.copytree(ctx.pristine, index)
    more = tmp_path / "more.jsonl"
    more.write_text('{"id": "more:1", "title": "Disk Full Paper", "abstract": "Storage exhaustion during indexing."}\n')

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Store, "add_chunks", full)
    got = run(["ingest", str(more), "--index", str(index)])
    assert got.code == 2 and got.err.count("\n") == 1 and "no space left" in got.err, got.err
    lib = Library(Settings(index_dir=index))
    assert lib.search("NOVER verifier-free", k=1)[0].title.startswith("NOVER")  # earlier papers searchable
    monkeypatch.undo()  # space freed

    again = run(["ingest", str(more), "--index", str(index)])
    assert again.code == 0 and "1 added" in again.out
    after = Library(Settings(index_dir=index))
    assert after.doctor().ok
    assert len(after.papers()) == 20


def test_real_full_disk_on_a_tiny_tmpfs(ctx: Ctx, tmp_path) -> None:
    """A real ENOSPC: ingest into a 2 MB tmpfs, then give it room and run the same command again."""
    import subprocess

    mnt = tmp_path / "tiny"
    mnt.mkdir()
    if (
        os.geteuid() != 0
        or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mnt)], capture_output=True).returncode
    ):
        pytest.skip("mounting a tmpfs needs root and mount(8)")
    try:
        index = ["--index", str(mnt / "index")]
        got = run(["ingest", str(BUNDLED), *index])
        assert got.code != 0 and "Traceback" not in got.err
        assert got.err.count("\n") == 1 and got.err.startswith("papers: error:"), got.err
        subprocess.run(["mount", "-o", "remount,size=64m", str(mnt)], check=True)
        # the same command again, as a user would: a new process (this one's Chroma client saw the failure)
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        again = subprocess.run(
            [sys.executable, "-m", "ui.cli", "ingest", str(BUNDLED), *index],
            cwd=REPO,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert again.returncode == 0, again.stderr[-500:]
        lib = Library(Settings(index_dir=mnt / "index"))
        assert len(lib.papers()) == 19 and lib.doctor().ok
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


def test_internal_error_shows_traceback_only_with_debug(ctx: Ctx, monkeypatch) -> None:
    monkeypatch.setattr(Library, "search", lambda self, *a, **k: (_ for _ in ()).throw(RuntimeError("boom")))
    plain = run(["search", "x", "--index", str(ctx.pristine)])
    assert plain.code == 3 and plain.err.count("\n") == 1
    assert "papers: internal error: RuntimeError: boom" in plain.err and "--debug" in plain.err
    debug = run(["search", "x", "--index", str(ctx.pristine), "--debug"])
    assert debug.code == 3 and "Traceback" in debug.err and "RuntimeError: boom" in debug.err


def test_query_bounds(ctx: Ctx) -> None:
    from rag.text import MAX_QUERY_CHARS, clean_query

    assert len(clean_query("word " * 40_000)) <= MAX_QUERY_CHARS
    cleaned = clean_query("a\x00b\x1b[31mc\u202ed")
    assert "\x00" not in cleaned and "\x1b" not in cleaned and "\u202e" not in cleaned
    lib = Library(Settings(index_dir=ctx.pristine))
    assert lib.search("verifier " * 20_000, k=2)
    assert Path(ctx.pristine).exists()
