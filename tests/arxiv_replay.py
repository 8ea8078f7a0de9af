"""A stand-in for arXiv on 127.0.0.1, so the real `arxiv` client can be tested without the network.

It answers API requests by matching their query parameters to recorded (or synthesized) feeds,
serves tiny real PDFs under /pdf/<id> with Range support, can be told to fail (status, dropped
connection) and logs every request with a timestamp.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

import pytest

SHARED_API = Path(__file__).resolve().parents[1].parent / "shared" / "arxiv_api"
_KEYS = ("search_query", "id_list", "sortBy", "sortOrder", "start", "max_results")
_DEFAULTS = {
    "search_query": "",
    "id_list": "",
    "sortBy": "relevance",
    "sortOrder": "descending",
    "start": "0",
}


@dataclass
class Logged:
    at: float  # time.monotonic() when the request arrived
    path: str
    params: dict[str, str]
    headers: dict[str, str]


@dataclass
class Drop:
    """Send full headers, then only `after` bytes of the body, then close the connection."""

    after: int = 0


@dataclass
class _Reply:
    status: int
    body: bytes
    content_type: str = "application/atom+xml; charset=utf-8"


def _key(params: dict[str, str]) -> tuple[tuple[str, str], ...]:
    merged = {**_DEFAULTS, **{k: str(v) for k, v in params.items()}}
    return tuple((k, merged.get(k, "")) for k in _KEYS)


@dataclass
class ReplayServer:
    feeds: dict[tuple[tuple[str, str], ...], _Reply] = field(default_factory=dict)
    pdfs: dict[str, bytes] = field(default_factory=dict)
    log: list[Logged] = field(default_factory=list)
    _failures: dict[str, list[int | Drop]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, args=(0.02,), daemon=True)
        self._thread.start()

    # ---- addresses ---------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/query"

    @property
    def pdf_base(self) -> str:
        return f"{self.url}/pdf"

    # ---- what to answer ----------------------------------------------------------------------
    def add_feed(self, body: str | bytes, *, status: int = 200, **params: str | int) -> None:
        """Answer requests whose query parameters equal `params` (unset ones take the client's defaults,
        except max_results, which must be given)."""
        data = body.encode() if isinstance(body, str) else body
        self.feeds[_key({k: str(v) for k, v in params.items()})] = _Reply(status, data)

    def add_recorded(self, name: str, **override: str | int) -> dict:
        """Serve a recording from shared/arxiv_api/recorded_json (optionally under other parameters)."""
        record = json.loads((SHARED_API / "recorded_json" / name).read_text())
        params = {k: v[0] for k, v in parse_qs(urlsplit(record["url"]).query, keep_blank_values=True).items()}
        params.update({k: str(v) for k, v in override.items()})
        self.add_feed(record["body"], status=record["status_code"], **params)
        return record

    def add_pdf(self, name: str, data: bytes) -> None:
        """Serve `data` at /pdf/<name> (name as arXiv writes it, e.g. 2505.16022v1)."""
        self.pdfs[name] = data

    def fail_next(self, target: str, *actions: int | Drop) -> None:
        """The next requests to `target` ("api" or a pdf name) get these statuses / drops, in order."""
        self._failures.setdefault(target, []).extend(actions)

    # ---- what happened -----------------------------------------------------------------------
    def requests_to(self, prefix: str) -> list[Logged]:
        return [r for r in self.log if r.path.startswith(prefix)]

    @property
    def api_requests(self) -> list[Logged]:
        return self.requests_to("/api/")

    @property
    def pdf_requests(self) -> list[Logged]:
        return self.requests_to("/pdf/")

    def __enter__(self) -> ReplayServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)

    def _next_failure(self, target: str) -> int | Drop | None:
        with self._lock:
            queue = self._failures.get(target)
            return queue.pop(0) if queue else None


def _handler(server: ReplayServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            params = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            with server._lock:
                server.log.append(Logged(time.monotonic(), parts.path, params, dict(self.headers.items())))
            if parts.path == "/api/query":
                self._api(params)
            elif parts.path.startswith("/pdf/"):
                self._pdf(parts.path[len("/pdf/") :])
            else:
                self._send(404, b"not found", "text/plain")

        def _api(self, params: dict[str, str]) -> None:
            failure = server._next_failure("api")
            reply = server.feeds.get(_key(params))
            body = reply.body if reply else b""
            if isinstance(failure, int):
                self._send(failure, b"<html>replay failure</html>", "text/html")
            elif isinstance(failure, Drop):
                self._send(200, body or b"x" * 100, "application/atom+xml", drop=failure)
            elif reply is None:
                self._send(404, f"no recorded response for {params}".encode(), "text/plain")
            else:
                self._send(reply.status, reply.body, reply.content_type)

        def _pdf(self, name: str) -> None:
            failure = server._next_failure(name)
            data = server.pdfs.get(name)
            if isinstance(failure, int):
                self._send(failure, b"<html>replay failure</html>", "text/html")
                return
            if data is None:
                self._send(404, b"<html>no such paper</html>", "text/html")
                return
            start = 0
            ranged = self.headers.get("Range", "")
            if ranged.startswith("bytes=") and ranged.endswith("-"):
                start = int(ranged[len("bytes=") : -1])
                if start >= len(data):
                    self._send(416, b"", "text/plain", extra={"Content-Range": f"bytes */{len(data)}"})
                    return
                extra = {"Content-Range": f"bytes {start}-{len(data) - 1}/{len(data)}"}
                self._send(206, data[start:], "application/pdf", drop=failure, extra=extra)
                return
            self._send(200, data, "application/pdf", drop=failure, extra={"Accept-Ranges": "bytes"})

        def _send(
            self,
            status: int,
            body: bytes,
            content_type: str,
            *,
            drop: Drop | None = None,
            extra: dict[str, str] | None = None,
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in (extra or {}).items():
                self.send_header(name, value)
            if drop is not None:
                self.send_header("Connection", "close")
            self.end_headers()
            if drop is not None:
                self.wfile.write(body[: drop.after])
                self.wfile.flush()
                self.close_connection = True
                return
            self.wfile.write(body)

    return Handler


# ---- synthesized feeds and PDFs --------------------------------------------------------------


def atom_entry(
    arxiv_id: str,
    version: int = 1,
    *,
    title: str = "A Synthesized Paper",
    authors: tuple[str, ...] = ("Ada Lovelace", "Alan Turing"),
    summary: str = "We study synthesized feeds.\n  They are small.",
    published: str = "2025-05-21T17:59:46Z",
    updated: str | None = None,
    categories: tuple[str, ...] = ("cs.CL", "cs.AI"),
    doi: str | None = None,
    comment: str | None = "12 pages",
    journal_ref: str | None = None,
    with_id: bool = True,
) -> str:
    """One `<entry>` shaped like arXiv's current feed (see shared/arxiv_api/bodies)."""
    vid = f"{arxiv_id}v{version}"
    lines = [f"<id>http://arxiv.org/abs/{vid}</id>"] if with_id else []
    lines += [
        f"<title>{escape(title)}</title>",
        f"<updated>{updated or published}</updated>",
        f'<link href="https://arxiv.org/abs/{vid}" rel="alternate" type="text/html"/>',
        f'<link href="https://arxiv.org/pdf/{vid}" rel="related" type="application/pdf" title="pdf"/>',
        f"<summary>{escape(summary)}</summary>",
        *(f'<category term="{c}" scheme="http://arxiv.org/schemas/atom"/>' for c in categories),
        f"<published>{published}</published>",
        f'<arxiv:primary_category term="{categories[0]}"/>',
        *([f"<arxiv:comment>{escape(comment)}</arxiv:comment>"] if comment else []),
        *([f"<arxiv:journal_ref>{escape(journal_ref)}</arxiv:journal_ref>"] if journal_ref else []),
        *([f"<arxiv:doi>{escape(doi)}</arxiv:doi>"] if doi else []),
        *(f"<author><name>{escape(a)}</name></author>" for a in authors),
    ]
    return "<entry>" + "".join(lines) + "</entry>"


def error_entry(message: str) -> str:
    anchor = message.replace(" ", "_")
    return (
        f"<entry><id>https://arxiv.org/api/errors#{anchor}</id><title>Error</title>"
        f"<updated>2026-04-12T22:59:06Z</updated><summary>{escape(message)}</summary>"
        "<author><name>arXiv api core</name></author></entry>"
    )


def atom_feed(entries: list[str], *, total: int | None = None, start: int = 0, per_page: int = 100) -> str:
    return (
        "<?xml version='1.0' encoding='UTF-8'?>\n"
        '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns="http://www.w3.org/2005/Atom">'
        "<id>https://arxiv.org/api/replay</id><title>arXiv Query</title><updated>2026-04-12T22:09:26Z</updated>"
        f"<opensearch:itemsPerPage>{per_page}</opensearch:itemsPerPage>"
        f"<opensearch:totalResults>{len(entries) if total is None else total}</opensearch:totalResults>"
        f"<opensearch:startIndex>{start}</opensearch:startIndex>" + "".join(entries) + "</feed>"
    )


def make_pdf(pages: list[str]) -> bytes:
    """A small real PDF with one page per string (fpdf2, built-in Helvetica)."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=11)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 6, text)
    return bytes(pdf.output())


def require_recordings() -> Path:
    """The recorded arXiv responses, or a pytest skip saying why they are missing."""
    if not (SHARED_API / "recorded_json").is_dir():
        pytest.skip(f"recorded arXiv API responses not found at {SHARED_API} (shared/ is absent)")
    return SHARED_API
