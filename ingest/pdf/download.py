"""Download a PDF by URL with a size cap and a deadline, into a cache named by the URL's hash.

The stdlib's urllib is enough for one GET; the size is checked twice (Content-Length up front, then
the streamed byte count, since servers may omit or understate it), and the body must start with %PDF.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from ingest.models import SourceError

_CHUNK = 1 << 16
USER_AGENT = "papers/0.1 (local research-paper search)"


def default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "papers-pdf-cache"


def download_pdf(
    url: str,
    *,
    max_bytes: int = 50_000_000,
    timeout: float = 30.0,
    cache_dir: Path | None = None,
) -> Path:
    """Fetch `url` into `cache_dir` (default: a temp folder) and return the file; SourceError on failure."""
    if not url.startswith(("http://", "https://")):
        raise SourceError(url, "only http(s) URLs can be downloaded")
    folder = Path(cache_dir) if cache_dir is not None else default_cache_dir()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / (hashlib.sha256(url.encode("utf-8")).hexdigest()[:24] + ".pdf")
    if target.is_file() and target.stat().st_size > 0:
        with target.open("rb") as fh:
            if fh.read(5).startswith(b"%PDF"):
                return target

    deadline = time.monotonic() + timeout
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/pdf,*/*"})
    fd, tmp_name = tempfile.mkstemp(dir=folder, suffix=".part")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(request, timeout=timeout) as response:
            length = response.headers.get("Content-Length")
            if length and length.isdigit() and int(length) > max_bytes:
                raise SourceError(url, f"too large ({int(length):,} bytes > limit {max_bytes:,})")
            total, head = 0, b""
            while True:
                if time.monotonic() > deadline:
                    raise SourceError(url, f"download timed out after {timeout:g}s")
                block = response.read(_CHUNK)
                if not block:
                    break
                if len(head) < 5:
                    head = (head + block)[:5]
                    if len(head) >= 5 and not head.startswith(b"%PDF"):
                        raise SourceError(url, "not a PDF (the server sent something else)")
                total += len(block)
                if total > max_bytes:
                    raise SourceError(url, f"too large (more than the limit of {max_bytes:,} bytes)")
                out.write(block)
        if total == 0 or not head.startswith(b"%PDF"):
            raise SourceError(url, "not a PDF (the server sent something else)")
        tmp.replace(target)
        return target
    except urllib.error.HTTPError as exc:
        raise SourceError(url, f"HTTP {exc.code} {exc.reason}") from None
    except urllib.error.URLError as exc:
        reason = exc.reason
        if isinstance(reason, TimeoutError):
            raise SourceError(url, f"download timed out after {timeout:g}s") from None
        raise SourceError(url, f"cannot download: {reason}") from None
    except TimeoutError:
        raise SourceError(url, f"download timed out after {timeout:g}s") from None
    except OSError as exc:
        raise SourceError(url, f"cannot download: {exc.strerror or exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
