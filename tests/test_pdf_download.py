"""download_pdf against a real local HTTP server on 127.0.0.1 (no other network)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from ingest.models import SourceError
from ingest.sources.pdf import download_pdf, load_pdf
from tests.pdf_factory import TITLE, make_paper_pdf


class _Handler(BaseHTTPRequestHandler):
    pdf_bytes = b""

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, body: bytes, content_type: str = "application/pdf", length: bool = True) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        if length:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/paper.pdf":
            self._send(self.pdf_bytes)
        elif self.path == "/big.pdf":  # declares its size up front
            self._send(b"%PDF-1.4\n" + b"0" * 5000)
        elif self.path == "/sneaky.pdf":  # no Content-Length: only the streamed count can stop it
            self.send_response(200)
            self.send_header("Content-Type", "application/pdf")
            self.end_headers()
            self.wfile.write(b"%PDF-1.4\n")
            for _ in range(20):
                self.wfile.write(b"0" * 1000)
        elif self.path == "/page.html":
            self._send(b"<!doctype html><title>Not here</title>", "text/html")
        elif self.path == "/slow.pdf":
            time.sleep(2.0)
            self._send(self.pdf_bytes)
        else:
            self.send_error(404, "Not Found")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    path = tmp_path_factory.mktemp("served") / "paper.pdf"
    make_paper_pdf(path)
    handler = type("Handler", (_Handler,), {"pdf_bytes": path.read_bytes()})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


def test_download_good_pdf_into_cache(server: str, tmp_path: Path) -> None:
    path = download_pdf(f"{server}/paper.pdf", cache_dir=tmp_path)
    assert path.parent == tmp_path and path.suffix == ".pdf"
    assert load_pdf(path).title == TITLE
    again = download_pdf(f"{server}/paper.pdf", cache_dir=tmp_path)
    assert again == path  # the name is a hash of the URL
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no partial files left


def _fails(url: str, tmp_path: Path, **kwargs: object) -> str:
    with pytest.raises(SourceError) as info:
        download_pdf(url, cache_dir=tmp_path, **kwargs)  # type: ignore[arg-type]
    assert info.value.source == url
    assert not list(tmp_path.iterdir()), "a failed download must leave no file"
    return info.value.reason


def test_too_large_by_content_length(server: str, tmp_path: Path) -> None:
    assert _fails(f"{server}/big.pdf", tmp_path, max_bytes=1000).startswith("too large")


def test_too_large_by_streamed_count(server: str, tmp_path: Path) -> None:
    assert _fails(f"{server}/sneaky.pdf", tmp_path, max_bytes=5000).startswith("too large")


def test_not_a_pdf(server: str, tmp_path: Path) -> None:
    assert _fails(f"{server}/page.html", tmp_path).startswith("not a PDF")


def test_404(server: str, tmp_path: Path) -> None:
    assert _fails(f"{server}/missing.pdf", tmp_path) == "HTTP 404 Not Found"


def test_timeout(server: str, tmp_path: Path) -> None:
    started = time.monotonic()
    assert "timed out" in _fails(f"{server}/slow.pdf", tmp_path, timeout=0.5)
    assert time.monotonic() - started < 2.0


def test_refused_connection_and_bad_scheme(tmp_path: Path) -> None:
    assert _fails("http://127.0.0.1:9/x.pdf", tmp_path, timeout=2).startswith("cannot download")
    assert _fails("ftp://example.org/x.pdf", tmp_path).startswith("only http")
