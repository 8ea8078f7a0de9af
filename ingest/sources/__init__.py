"""Source registry: turn user inputs (paths, folders, list files, URLs) into `Paper`s.

A new source is one new module here plus one line in `_LOADERS`. Each loader takes a path and
yields `Paper`s or `SourceError`s (one bad record never stops the others).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from ingest.models import Paper, SourceError

Loader = Callable[..., Iterator[Paper | SourceError]]
PaperOrError = Paper | SourceError


def detect_format(path: Path) -> str:
    """Name the format of a file by extension, then by sniffing its first bytes."""
    suffix = path.suffix.lower()
    try:
        head = path.open("rb").read(4096)
    except OSError as exc:
        raise SourceError(str(path), f"cannot read: {exc.strerror or exc}") from None
    if head.startswith(b"%PDF") or suffix == ".pdf":
        return "pdf"
    if suffix in {".jsonl", ".ndjson"}:
        return "jsonl"
    if suffix in {".bib", ".bibtex"}:
        return "bibtex"
    text = head.decode("utf-8", errors="replace")
    from ingest.sources.digest_page import looks_like_digest

    if looks_like_digest(text):
        return "digest"
    stripped = text.lstrip()
    if stripped.startswith("{"):
        return "jsonl"
    if stripped.startswith("@"):
        return "bibtex"
    if suffix in {".txt", ".lst", ".list"} and _looks_like_list(text):
        return "list"
    raise SourceError(
        str(path),
        "unknown format (expected a PDF, .jsonl of abstracts, .bib, a paper-digest page or a list file)",
    )


def _looks_like_list(text: str) -> bool:
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    return bool(lines) and all(" " not in ln or ln.startswith(("http://", "https://")) for ln in lines)


def _load_jsonl(path: Path, **_: object) -> Iterator[PaperOrError]:
    from ingest.sources.jsonl import load_jsonl

    return load_jsonl(path)


def _load_bibtex(path: Path, **opts: object) -> Iterator[PaperOrError]:
    from ingest.sources.bibtex import load_bibtex

    return load_bibtex(path, password=opts.get("password"), on_page=opts.get("on_page"))


def _load_digest(path: Path, **_: object) -> Iterator[PaperOrError]:
    from ingest.sources.digest_page import load_digest

    return load_digest(path)


def _load_pdf(path: Path, **opts: object) -> Iterator[PaperOrError]:
    from ingest.sources.pdf import load_pdf

    try:
        yield load_pdf(
            path,
            password=opts.get("password"),  # type: ignore[arg-type]
            on_page=opts.get("on_page"),  # type: ignore[arg-type]
            ocr=opts.get("ocr"),  # type: ignore[arg-type]
            on_ocr_page=opts.get("on_ocr_page"),  # type: ignore[arg-type]
        )
    except SourceError as err:
        yield err


_LOADERS: dict[str, Loader] = {
    "jsonl": _load_jsonl,
    "bibtex": _load_bibtex,
    "digest": _load_digest,
    "pdf": _load_pdf,
}


KNOWN_SUFFIXES = {".pdf", ".jsonl", ".ndjson", ".bib", ".bibtex"}


def expand_inputs(inputs: Iterable[str], glob: str | None = None) -> Iterator[str | SourceError]:
    """Folders become their matching files (recursive; by default every file of a known format),
    list files their lines; URLs pass through. An input named twice is loaded once."""
    seen: set[str] = set()
    for item in _expand(inputs, glob):
        key = item if isinstance(item, SourceError) else os.path.realpath(item) if "://" not in item else item
        if isinstance(key, str):
            if key in seen:
                continue
            seen.add(key)
        yield item


def _expand(inputs: Iterable[str], glob: str | None) -> Iterator[str | SourceError]:
    for raw in inputs:
        if raw.startswith(("http://", "https://")):
            yield raw
            continue
        path = Path(raw).expanduser()
        if path.is_dir():
            if glob:
                matches = sorted(p for p in path.glob(glob) if p.is_file())
            else:
                matches = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in KNOWN_SUFFIXES)
            if not matches:
                what = f"matching {glob!r}" if glob else "of a known format (.pdf .jsonl .bib)"
                yield SourceError(raw, f"folder has no files {what}", skipped=True)
            yield from (str(p) for p in matches)
        elif not path.exists():
            yield SourceError(raw, "no such file or folder")
        else:
            try:
                fmt = detect_format(path)
            except SourceError as err:
                yield err
                continue
            if fmt == "list":
                lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
                entries = [ln.strip() for ln in lines if ln.strip() and not ln.lstrip().startswith("#")]
                resolved = [e if "://" in e else str(path.parent / e) for e in entries]
                yield from _expand(resolved, glob)
            else:
                yield str(path)


def load_input(item: str, **opts: object) -> Iterator[PaperOrError]:
    """Load one expanded input (a file path or a URL) into papers, never raising."""
    try:
        if item.startswith(("http://", "https://")):
            from ingest.sources.pdf import download_pdf

            path = download_pdf(item, **{k: v for k, v in opts.items() if k in {"max_bytes", "timeout"}})
            for result in _load_pdf(path, **opts):
                if isinstance(result, Paper):
                    result.url = result.url or item
                yield result
            return
        path = Path(item)
        yield from _LOADERS[detect_format(path)](path, **opts)
    except SourceError as err:
        yield err
    except Exception as exc:  # a loader bug must not stop a batch; report it against the input
        yield SourceError(item, f"unexpected error: {type(exc).__name__}: {exc}")
