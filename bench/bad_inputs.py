"""Every bad input we know of, fed to the real `papers` CLI; prints one row per input with its outcome.

    python -m bench.bad_inputs            # table on stdout (runs in a temporary folder)

The same cases drive tests/test_bad_inputs.py, which asserts each outcome: a non-traceback, one-line
message naming the input, the expected exit code, and an index that lost nothing.
"""

from __future__ import annotations

import contextlib
import errno
import io
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUNDLED = REPO / "data" / "papers.jsonl"
SHARED = REPO.parent / "shared"


@dataclass
class Case:
    name: str
    argv: Callable[[Ctx], list[str]]
    code: int | tuple[int, ...]  # the exit code(s) we expect
    expect: str  # a fragment the one-line message (stdout or stderr) must contain
    setup: Callable[[Ctx], contextlib.AbstractContextManager] | None = None
    needs: Path | None = None  # a shared file the case needs (skipped when absent)


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def message(self) -> str:
        """The line that tells the user what happened (an error line, or the report's failed/skipped lines)."""
        lines = [ln for ln in self.err.splitlines() if ln.startswith("papers:")]
        lines += [ln for ln in self.out.splitlines() if ln.startswith(("failed", "skipped", "No passages"))]
        return " | ".join(lines) or (self.out.strip().splitlines() or [""])[-1]


@dataclass
class Ctx:
    """A scratch folder, the working index (the bundled corpus) and a pristine copy of it to clone."""

    tmp: Path
    index: Path
    pristine: Path
    extra: dict = field(default_factory=dict)

    def clone(self, name: str) -> Path:
        dest = self.tmp / name
        if not dest.exists():
            shutil.copytree(self.pristine, dest)
        return dest

    def file(self, name: str, data: bytes | str) -> str:
        path = self.tmp / "inputs" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        return str(path)


def run(argv: list[str]) -> Outcome:
    """The CLI in this process (the model stays loaded), with stdout and stderr captured."""
    from ui.cli import main

    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = exc.code if isinstance(exc.code, int) else 2
    return Outcome(code, out.getvalue(), err.getvalue())


# -- setups: temporary changes around one case ------------------------------------------------------------


def _set_format(version: int):
    @contextlib.contextmanager
    def setup(ctx: Ctx) -> Iterator[None]:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        from rag import Settings

        index = ctx.clone(f"format-{version}")
        settings = Settings(index_dir=index)
        raw = chromadb.PersistentClient(path=str(index / "chroma"), settings=ChromaSettings(anonymized_telemetry=False))
        chunks = raw.get_collection(f"{settings.collection}_chunks", embedding_function=None)
        chunks.modify(metadata={**(chunks.metadata or {}), "format": version})  # as another papers version wrote it
        ctx.extra["index"] = index
        yield

    return setup


@contextlib.contextmanager
def _lock_held(ctx: Ctx) -> Iterator[None]:
    """Another process holding the write lock exactly as `papers ingest` does."""
    index = ctx.clone("locked")
    code = (
        "import fcntl,os,sys\n"
        f"f=open({str(index / 'write.lock')!r},'a+')\n"
        "fcntl.flock(f,fcntl.LOCK_EX);f.seek(0);f.truncate();f.write(f'papers (pid {os.getpid()})');f.flush()\n"
        "print('locked',flush=True);sys.stdin.read()\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout and proc.stdout.readline().strip() == "locked"
        ctx.extra["index"] = index
        ctx.extra["holder"] = proc.pid
        yield
    finally:
        proc.stdin.close()  # type: ignore[union-attr]
        proc.wait(timeout=10)


@contextlib.contextmanager
def _disk_full(ctx: Ctx) -> Iterator[None]:
    """The vector store write fails as a full disk makes it fail (OSError ENOSPC)."""
    from rag.index.store import Store

    original = Store.add_chunks

    def add(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    Store.add_chunks = add  # type: ignore[method-assign]
    ctx.extra["index"] = ctx.clone("full")
    try:
        yield
    finally:
        Store.add_chunks = original  # type: ignore[method-assign]


@contextlib.contextmanager
def _internal_bug(ctx: Ctx) -> Iterator[None]:
    from rag import Library

    original = Library.search

    def search(self, *args, **kwargs):
        raise RuntimeError("simulated bug")

    Library.search = search  # type: ignore[method-assign]
    try:
        yield
    finally:
        Library.search = original  # type: ignore[method-assign]


@contextlib.contextmanager
def _corrupt_sqlite(ctx: Ctx) -> Iterator[None]:
    index = ctx.clone("corrupt-sqlite")
    (index / "chroma" / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    ctx.extra["index"] = index
    yield


@contextlib.contextmanager
def _corrupt_bm25(ctx: Ctx) -> Iterator[None]:
    index = ctx.clone("corrupt-bm25")
    for f in (index / "bm25").rglob("*"):
        if f.is_file():
            f.write_bytes(b"\x00garbage")
    ctx.extra["index"] = index
    yield


@contextlib.contextmanager
def _readonly(ctx: Ctx) -> Iterator[None]:
    """A read-only index: a tmpfs remounted read-only (needs root); otherwise the case is skipped."""
    mnt = ctx.tmp / "ro-mount"
    mnt.mkdir(exist_ok=True)
    if (
        os.geteuid() != 0
        or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(mnt)], capture_output=True).returncode
        != 0
    ):
        raise Skip("a read-only mount needs root and mount(8)")
    try:
        shutil.copytree(ctx.pristine, mnt / "index")
        subprocess.run(["mount", "-o", "remount,ro", str(mnt)], check=True, capture_output=True)
        ctx.extra["index"] = mnt / "index"
        yield
    finally:
        subprocess.run(["umount", "-l", str(mnt)], capture_output=True)


class Skip(Exception):
    """The case cannot run here (reason in the message)."""


def _idx(ctx: Ctx) -> list[str]:
    return ["--index", str(ctx.extra.get("index", ctx.index))]


def _bad_jsonl() -> str:
    good = json.loads(BUNDLED.read_text(encoding="utf-8").splitlines()[0])
    rows = [
        json.dumps({**good, "id": "bad-inputs:good-1", "title": "Good line one " + good["title"]}),
        '{"title": "broken", "abstract": ',
        '["not", "an", "object"]',
        json.dumps({"title": "", "abstract": "no title here"}),
        json.dumps({**good, "id": "bad-inputs:good-2", "title": "Good line two " + good["title"]}),
    ]
    return "\n".join(rows) + "\n"


_BAD_BIB = """@article{good1,
  title = {A Well Formed Entry About Verifier-Free Reinforcement Learning},
  author = {Doe, Jane},
  year = {2024},
  abstract = {We study reinforcement learning without verifiers and report results on reasoning.}
}

@article{broken,
  title = {Unclosed brace entry,
  author = {Nobody

@article{noabstract,
  title = {An Entry Without An Abstract},
  year = {2020}
}
"""

_BIG = ("reinforcement learning verifier " * 3200)[:100_000]  # a 100 KB query
_ODD_QUESTION = "\x1b[31mWhat\x1b[0m does \u202enover\u202c \x00do\x07 with \u200bverifiers? 🤖"


def cases() -> list[Case]:
    pdfs = SHARED / "pdfs"
    ingest = lambda *files: lambda c: ["ingest", *files, *_idx(c)]  # noqa: E731
    return [
        # -- inputs to ingest --------------------------------------------------------------------
        Case("missing file", lambda c: ["ingest", str(c.tmp / "no-such.pdf"), *_idx(c)], 1, "no such file"),
        Case(
            "unknown format",
            lambda c: ["ingest", c.file("notes.txt", "just some prose here\n" * 5), *_idx(c)],
            1,
            "unknown format",
        ),
        Case(
            "empty folder",
            lambda c: ["ingest", str((c.tmp / "empty").resolve()), *_idx(c)],
            0,
            "folder has no files",
            setup=lambda c: _mkdir(c.tmp / "empty"),
        ),
        Case(
            "fake PDF (text with %PDF header)",
            lambda c: ["ingest", c.file("fake.pdf", b"%PDF-1.7\nnot really"), *_idx(c)],
            1,
            "fake.pdf",
        ),
        Case(
            "truncated PDF",
            lambda c: ["ingest", c.file("truncated.pdf", (pdfs / "1111.2011v2.pdf").read_bytes()[:30_000]), *_idx(c)],
            (0, 1),
            "truncated.pdf",
            needs=pdfs / "1111.2011v2.pdf",
        ),
        Case(
            "corrupt PDF (36 bytes)",
            ingest(str(pdfs / "odd" / "docling-corrupted.pdf")),
            1,
            "docling-corrupted.pdf",
            needs=pdfs / "odd" / "docling-corrupted.pdf",
        ),
        Case(
            "encrypted PDF, no password",
            ingest(str(pdfs / "odd" / "pypdf-samples-libreoffice-writer-password.pdf")),
            (0, 1),
            "password",
            needs=pdfs / "odd" / "pypdf-samples-libreoffice-writer-password.pdf",
        ),
        Case(
            "scanned PDF (no text layer), OCR off",
            ingest(str(pdfs / "odd" / "docling-ocr_test-scanned.pdf"), "--ocr", "never"),
            (0, 1),
            "docling-ocr_test-scanned.pdf",
            needs=pdfs / "odd" / "docling-ocr_test-scanned.pdf",
        ),
        Case(
            "malformed JSONL lines (2 good)",
            lambda c: ["ingest", c.file("mixed.jsonl", _bad_jsonl()), *_idx(c)],
            1,
            "mixed.jsonl:2",
        ),
        Case(
            "binary garbage .jsonl",
            lambda c: ["ingest", c.file("garbage.jsonl", os.urandom(3000)), *_idx(c)],
            (0, 1),
            "garbage.jsonl",
        ),
        Case(
            "malformed BibTeX entries (1 good)",
            lambda c: ["ingest", c.file("mixed.bib", _BAD_BIB), *_idx(c)],
            1,
            "mixed.bib:",
        ),
        Case(
            "bad arXiv ids",
            lambda c: ["add", "not-an-id", "2505.99999x", "--abstract-only", *_idx(c)],
            (1, 2),
            "not-an-id",
        ),
        # -- queries -----------------------------------------------------------------------------
        Case("empty query", lambda c: ["search", "", *_idx(c)], 2, "query is empty"),
        Case(
            "control characters only",
            lambda c: ["search", "\x00\x1b\x07 \t\u202e\u2066", *_idx(c)],
            2,
            "query is empty",
        ),
        Case("100 KB search query", lambda c: ["search", _BIG, "-k", "2", *_idx(c)], 0, ""),
        Case("100 KB question", lambda c: ["ask", _BIG, *_idx(c)], 0, ""),
        Case("ANSI/bidi/NUL/emoji question", lambda c: ["ask", _ODD_QUESTION, *_idx(c)], 0, ""),
        Case("Chinese question", lambda c: ["ask", "哪篇论文提出了无需外部验证器的强化学习方法？", *_idx(c)], 0, ""),
        Case(
            "Arabic + Russian question",
            lambda c: ["search", "ما هو التعلم المعزز؟ обучение с подкреплением", *_idx(c)],
            0,
            "",
        ),
        Case(
            "year filter matching nothing",
            lambda c: ["search", "reasoning", "--year-min", "3000", *_idx(c)],
            0,
            "No passages match",
        ),
        Case("-k 0", lambda c: ["search", "reasoning", "-k", "0", *_idx(c)], (0, 2), ""),
        Case("unknown paper (show)", lambda c: ["show", "no such paper zzz", *_idx(c)], 2, "no paper matching"),
        # -- the index ---------------------------------------------------------------------------
        Case("missing index", lambda c: ["search", "reasoning", "--index", str(c.tmp / "nowhere")], 2, "no index at"),
        Case("index path is a file", lambda c: ["search", "reasoning", "--index", c.file("a-file", "x")], 2, "a-file"),
        Case(
            "index from a newer format",
            lambda c: ["search", "reasoning", *_idx(c)],
            2,
            "(newer)",
            setup=_set_format(99),
        ),
        Case(
            "index from an older format",
            lambda c: ["search", "reasoning", *_idx(c)],
            2,
            "(older)",
            setup=_set_format(0),
        ),
        Case(
            "index built with another model",
            lambda c: ["search", "x", "--embed-model", "other-model", *_idx(c)],
            2,
            "built with embedding model",
        ),
        Case(
            "corrupt chroma.sqlite3",
            lambda c: ["search", "reasoning", *_idx(c)],
            2,
            "cannot open the index",
            setup=_corrupt_sqlite,
        ),
        Case("corrupt BM25 files", lambda c: ["search", "verifier", "-k", "1", *_idx(c)], 0, "", setup=_corrupt_bm25),
        Case(
            "read-only index: search", lambda c: ["search", "reasoning", *_idx(c)], (0, 2), "read-only", setup=_readonly
        ),
        Case("read-only index: ingest", lambda c: ["ingest", str(BUNDLED), *_idx(c)], 2, "read-only", setup=_readonly),
        Case(
            "index locked by another writer",
            lambda c: ["ingest", str(BUNDLED), *_idx(c)],
            2,
            "being written by papers (pid",
            setup=_lock_held,
        ),
        Case(
            "disk full during ingest",
            lambda c: ["ingest", c.file("new.jsonl", _bad_jsonl().splitlines()[0]), *_idx(c)],
            2,
            "no space left",
            setup=_disk_full,
        ),
        Case(
            "unexpected internal error", lambda c: ["search", "reasoning", *_idx(c)], 3, "--debug", setup=_internal_bug
        ),
    ]


@contextlib.contextmanager
def _nothing() -> Iterator[None]:
    yield


def _mkdir(path: Path) -> contextlib.AbstractContextManager:
    path.mkdir(exist_ok=True)
    return _nothing()


def prepare(tmp: Path) -> Ctx:
    """Build the bundled index once (pristine), and a working copy the ingest cases write into."""
    from rag import Library, Settings

    pristine = tmp / "pristine"
    Library(Settings(index_dir=pristine)).ingest([str(BUNDLED)])
    ctx = Ctx(tmp=tmp, index=tmp / "work", pristine=pristine)
    shutil.copytree(pristine, ctx.index)
    return ctx


def run_case(case: Case, ctx: Ctx) -> Outcome:
    if case.needs is not None and not case.needs.exists():
        raise Skip(f"{case.needs} is absent")
    ctx.extra.clear()
    with case.setup(ctx) if case.setup else _nothing():
        return run(case.argv(ctx))


def main() -> int:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="papers-bad-inputs-") as tmp:
        ctx = prepare(Path(tmp))
        print(f"| {'bad input':<36} | exit | outcome (first message line) |")
        print(f"|{'-' * 38}|------|{'-' * 30}|")
        for case in cases():
            try:
                got = run_case(case, ctx)
            except Skip as why:
                print(f"| {case.name:<36} | skip | {why} |")
                continue
            expected = case.code if isinstance(case.code, tuple) else (case.code,)
            ok = got.code in expected and "Traceback" not in got.err and case.expect in got.out + got.err
            mark = "" if ok else "  **UNEXPECTED**"
            message = got.message.replace(str(ctx.tmp), "$TMP").replace("|", "/")
            print(f"| {case.name:<36} | {got.code:>4} | {message[:160]}{mark} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
