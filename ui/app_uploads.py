"""Uploaded PDFs: checked by content, bounded in size, stored under names the app generates.

A browser sends a file name chosen by whoever made the file, so the name is never used as a path:
the file goes to `<cache>/uploads/<sha256[:16]>/<sanitised name>.pdf`, where only the last
component of the name survives and only [A-Za-z0-9._-] characters are kept.
"""

from __future__ import annotations

import hashlib
import re
import shutil
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath

PDF_MAGIC = b"%PDF-"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


# why an upload is refused, in English (the HTTP API's words; the app's Chinese is in ui/app_text.py)
REASONS = {
    "unreadable": "cannot read the upload: {why}",
    "empty": "the file is empty",
    "too_big": "the file is {size} MB; the limit is {limit} MB",
    "not_pdf": "not a PDF (the file does not start with %PDF-)",
}


class UploadRejected(Exception):
    """The upload is not stored: the message says why, in one line (`reason`, `values`: to say it in another
    language)."""

    def __init__(self, reason: str, **values: object) -> None:
        super().__init__(REASONS[reason].format(**values))
        self.reason = reason
        self.values = values


@dataclass
class StoredUpload:
    name: str  # the name the user sent (display only)
    path: Path  # where it is stored
    digest: str  # sha256[:16] of the bytes (the folder name)


def uploads_dir(cache_dir: Path) -> Path:
    return cache_dir / "uploads"


def safe_name(name: str) -> str:
    """The last component of any path (POSIX or Windows), reduced to safe characters, ending in .pdf."""
    base = PureWindowsPath(str(name).replace("/", "\\")).name
    stem = _UNSAFE.sub("_", base.rsplit(".", 1)[0] if base.lower().endswith(".pdf") else base).strip("._-")
    return f"{stem[:80] or 'upload'}.pdf"


def file_digest(path: Path) -> str:
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()[:16]


def store_upload(temp_path: str | Path, original_name: str, cache_dir: Path, max_bytes: int) -> StoredUpload:
    """Validate a received file and copy it into the uploads folder; raise UploadRejected if unfit."""
    src = Path(temp_path)
    try:
        size = src.stat().st_size
        with src.open("rb") as handle:
            head = handle.read(1024)
    except OSError as exc:
        raise UploadRejected("unreadable", why=exc.strerror or exc) from None
    if size == 0:
        raise UploadRejected("empty")
    if size > max_bytes:
        raise UploadRejected("too_big", size=f"{size / 1e6:.1f}", limit=f"{max_bytes / 1e6:.0f}")
    if PDF_MAGIC not in head:
        raise UploadRejected("not_pdf")
    digest = file_digest(src)
    folder = uploads_dir(cache_dir) / digest
    folder.mkdir(parents=True, exist_ok=True)
    dest = folder / safe_name(original_name)
    if not dest.exists():
        part = dest.with_suffix(".part")
        shutil.copyfile(src, part)
        part.replace(dest)
    return StoredUpload(name=original_name, path=dest, digest=digest)


def discard(upload: StoredUpload) -> None:
    """Forget a stored upload that did not make it into the index."""
    shutil.rmtree(upload.path.parent, ignore_errors=True)


def local_pdf(cache_dir: Path, paper_id: str) -> Path | None:
    """The stored upload of a PDF paper (its id carries the same content hash), if the app stored it."""
    if not paper_id.startswith("pdf:"):
        return None
    folder = uploads_dir(cache_dir) / paper_id[4:]
    found = sorted(folder.glob("*.pdf")) if folder.is_dir() else []
    return found[0] if found else None
