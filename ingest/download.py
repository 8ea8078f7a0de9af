"""The one PDF downloader: a size cap, a per-attempt deadline, retries with backoff on transient failures,
resume of an interrupted download with an HTTP Range request, and the %PDF check.

Used for PDF URLs given to `papers ingest` (no resume: a failed download leaves no file) and for arXiv
PDFs (resume on: the `.part` file is continued by a retry or by a later run). Every failure is a
`SourceError` naming the URL, in one line.
"""

from __future__ import annotations

import hashlib
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import requests
import urllib3

from ingest.models import SourceError

USER_AGENT = "papers/0.1 (local research-paper search)"
_BLOCK = 64 * 1024
PDF_MAGIC = b"%PDF-"


class _Retryable(Exception):
    """Worth another try: 5xx, 429, a dropped connection, a timeout."""


def is_pdf(path: Path) -> bool:
    """The file starts like a PDF (the marker within its first KB, as readers accept)."""
    try:
        with path.open("rb") as fh:
            return PDF_MAGIC in fh.read(1024)
    except OSError:
        return False


def pdf_session(timeout: float, user_agent: str = USER_AGENT) -> requests.Session:
    """A requests session whose every request has a timeout (requests has none by default)."""
    from requests.adapters import HTTPAdapter

    class _TimeoutAdapter(HTTPAdapter):
        def send(self, request, **kwargs):  # type: ignore[override]
            if kwargs.get("timeout") is None:
                kwargs["timeout"] = timeout
            return super().send(request, **kwargs)

    session = requests.Session()
    adapter = _TimeoutAdapter()
    session.mount("http://", adapter)
    session.mount("https://", adapter)
    session.headers["User-Agent"] = user_agent
    return session


def download_pdf(
    url: str, *, max_bytes: int = 50_000_000, timeout: float = 30.0, cache_dir: Path | None = None
) -> Path:
    """A PDF URL given to `papers ingest`: fetched once into `cache_dir` (default: a temp folder) under the
    hash of the URL, within `timeout` seconds in all; a failed download leaves no file."""
    folder = Path(cache_dir) if cache_dir is not None else Path(tempfile.gettempdir()) / "papers-pdf-cache"
    target = folder / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:24] + ".pdf")
    return fetch_pdf(url, target, max_bytes=max_bytes, timeout=timeout, deadline_seconds=timeout)


def fetch_pdf(
    url: str,
    target: Path,
    *,
    max_bytes: int = 50_000_000,
    timeout: float = 30.0,
    deadline_seconds: float | None = None,
    retries: int = 0,
    backoff_seconds: float = 3.0,
    resume: bool = False,
    session: requests.Session | None = None,
    before_request: Callable[[], None] | None = None,
) -> Path:
    """Fetch `url` into `target` (kept when it already holds a PDF) and return it.

    `timeout` bounds each network wait, `deadline_seconds` (when given) each attempt as a whole. Bytes go
    to `<target>.part` first and are renamed once complete and checked. With `resume`, a `.part` left by an
    earlier attempt is continued with a Range request; without it a failure removes it. `before_request`
    is called before every request (e.g. to keep a polite pace to one host)."""
    if not url.startswith(("http://", "https://")):
        raise SourceError(url, "only http(s) URLs can be downloaded")
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.is_file() and is_pdf(target):
        return target
    part = target.with_name(target.name + ".part")
    if not resume:
        part.unlink(missing_ok=True)
    http = session or pdf_session(timeout)
    try:
        last = ""
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(backoff_seconds * 2 ** (attempt - 1))
            try:
                _fetch_part(http, url, part, max_bytes, timeout, deadline_seconds, resume=resume, before=before_request)
                break
            except _Retryable as exc:
                last = str(exc)
        else:
            if retries:
                raise SourceError(url, f"PDF download failed after {retries + 1} tries: {last}")
            raise SourceError(url, last)
        if not is_pdf(part):
            part.unlink(missing_ok=True)
            raise SourceError(url, "not a PDF (the server sent something else)")
        part.replace(target)
        return target
    except SourceError:
        if not resume:
            part.unlink(missing_ok=True)
        raise
    finally:
        if session is None:
            http.close()


def _fetch_part(
    http: requests.Session,
    url: str,
    part: Path,
    max_bytes: int,
    timeout: float,
    deadline_seconds: float | None,
    *,
    resume: bool,
    before: Callable[[], None] | None,
) -> None:
    have = part.stat().st_size if resume and part.exists() else 0
    # identity encoding: Range offsets must count the bytes written to the .part file
    headers = {"Accept-Encoding": "identity", "Accept": "application/pdf,*/*"}
    if have:
        headers["Range"] = f"bytes={have}-"
    if before:
        before()
    deadline = None if deadline_seconds is None else time.monotonic() + deadline_seconds
    expected: int | None = None
    try:
        with http.get(url, headers=headers, stream=True, timeout=timeout) as resp:
            status = resp.status_code
            if status == 416 and have:
                return  # the .part already holds every byte
            if status >= 500 or status == 429:
                raise _Retryable(f"HTTP {status}")
            if status not in (200, 206):
                raise SourceError(url, f"HTTP {status} {resp.reason}".strip())
            expected = _expected_size(resp)
            append = status == 206 and resp.headers.get("Content-Range", "").startswith(f"bytes {have}-")
            if status == 206 and not append:  # a range we did not ask for: start over
                part.unlink(missing_ok=True)
                raise _Retryable(f"server sent range {resp.headers.get('Content-Range')!r}, not from {have}")
            if expected is not None and expected > max_bytes:
                raise SourceError(url, f"too large ({expected:,} bytes > limit {max_bytes:,})")
            with part.open("ab" if append else "wb") as out:
                head = b""
                # read1 hands over whatever has arrived, so a dropped connection keeps every byte
                # received so far (iter_content's full-chunk reads would discard the last chunk).
                while block := resp.raw.read1(_BLOCK):
                    if deadline is not None and time.monotonic() > deadline:
                        raise _Retryable(f"download timed out after {deadline_seconds:g}s")
                    if not append and len(head) < 1024:
                        head += block
                        if len(head) >= 1024 and PDF_MAGIC not in head:
                            raise SourceError(url, "not a PDF (the server sent something else)")
                    out.write(block)
                    if out.tell() > max_bytes:
                        raise SourceError(url, f"too large (more than the limit of {max_bytes:,} bytes)")
    except requests.Timeout:
        raise _Retryable(f"download timed out after {timeout:g}s") from None
    except requests.ConnectionError as exc:
        if not part.exists() or part.stat().st_size == 0:
            raise _Retryable(f"cannot download: {_reason(exc)}") from None
        raise _Retryable(f"{type(exc).__name__} after {part.stat().st_size} bytes") from None
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        raise _Retryable(f"{type(exc).__name__} after {part.stat().st_size if part.exists() else 0} bytes") from exc
    size = part.stat().st_size
    if expected is not None and size < expected:
        raise _Retryable(f"connection closed at {size} of {expected} bytes")


def _expected_size(resp: requests.Response) -> int | None:
    """Full file size from Content-Range (206) or Content-Length (200), when the server says."""
    content_range = resp.headers.get("Content-Range", "")
    if resp.status_code == 206 and "/" in content_range:
        total = content_range.rsplit("/", 1)[1]
        return int(total) if total.isdigit() else None
    length = resp.headers.get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _reason(exc: Exception) -> str:
    """The innermost cause of a connection failure ("Connection refused"), not urllib3's wrapper chain."""
    while exc.__context__ is not None and exc.__context__ is not exc:
        exc = exc.__context__  # type: ignore[assignment]
    return getattr(exc, "strerror", None) or str(exc).splitlines()[0]
