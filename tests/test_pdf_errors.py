"""Unusable PDFs give one-line SourceErrors naming the file; encrypted PDFs open with the right password."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader, PdfWriter

from ingest.models import SourceError
from ingest.sources import load_input
from ingest.sources.pdf import load_pdf
from tests.pdf_factory import TITLE, make_blank_pdf, make_paper_pdf


@pytest.fixture(scope="module")
def good_pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("good") / "good.pdf"
    make_paper_pdf(path)
    return path


def _encrypt(source: Path, target: Path, user: str, owner: str = "owner-secret") -> None:
    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="RC4-128")
    with target.open("wb") as fh:
        writer.write(fh)


def _error(path: Path, **kwargs: object) -> SourceError:
    with pytest.raises(SourceError) as info:
        load_pdf(path, **kwargs)  # type: ignore[arg-type]
    err = info.value
    assert str(path) in str(err) and "\n" not in str(err)
    return err


def test_encrypted_needs_password(good_pdf: Path, tmp_path: Path) -> None:
    locked = tmp_path / "locked.pdf"
    _encrypt(good_pdf, locked, user="s3cret")
    assert _error(locked).reason == "encrypted, give --password"
    assert _error(locked, password="nope").reason == "wrong password"
    paper = load_pdf(locked, password="s3cret")
    assert paper.title == TITLE and paper.extra["references_count"] == 4


def test_empty_user_password_opens_without_asking(good_pdf: Path, tmp_path: Path) -> None:
    locked = tmp_path / "permissions-only.pdf"
    _encrypt(good_pdf, locked, user="")
    assert load_pdf(locked).title == TITLE


def test_not_a_pdf(tmp_path: Path) -> None:
    path = tmp_path / "notes.pdf"
    path.write_text("just some notes, not a PDF at all\n")
    assert _error(path).reason.startswith("not a PDF")


def test_corrupt_and_truncated(good_pdf: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    garbage = tmp_path / "garbage.pdf"
    garbage.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 8)
    assert "corrupt" in _error(garbage).reason
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(good_pdf.read_bytes()[:400])
    err = _error(truncated)
    assert "corrupt" in err.reason or "no extractable text" in err.reason
    assert not [r for r in caplog.records if r.name.startswith("pypdf")]  # pypdf's noise is silenced


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.pdf"
    path.write_bytes(b"")
    assert _error(path).reason == "empty file"


def test_zero_pages(tmp_path: Path) -> None:
    path = tmp_path / "zero.pdf"
    with path.open("wb") as fh:
        PdfWriter().write(fh)
    assert _error(path).reason == "PDF has zero pages"


def test_no_text_layer_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    make_blank_pdf(path)
    err = _error(path)
    assert err.reason == "no extractable text and no scanned image to OCR"
    assert err.skipped


def test_registry_yields_errors_instead_of_raising(tmp_path: Path, good_pdf: Path) -> None:
    bad = tmp_path / "bad.pdf"
    bad.write_text("nope")
    [result] = list(load_input(str(bad)))
    assert isinstance(result, SourceError)
    [paper] = list(load_input(str(good_pdf)))
    assert paper.title == TITLE
