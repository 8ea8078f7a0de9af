"""The HTTP API (/api/v1) through httpx against a running server on 127.0.0.1: answers, errors, the
token, body and rate limits, read-only mode, path traversal attempts, uploads, and its mount in `papers serve`."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests.arxiv_replay import ReplayServer, atom_entry, atom_feed, make_pdf
from tests.pdf_factory import TITLE as PDF_TITLE
from tests.pdf_factory import make_paper_pdf

NOVER_Q = "How does NOVER avoid an external verifier?"
TOKEN = "t0ken-for-tests"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def running_api(library, *, token: str | None = None) -> Iterator[str]:
    """`papers serve --api-only`'s app on a free loopback port in a thread; yields the /api/v1 base URL."""
    import uvicorn

    from ui.http_api import api_app

    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(api_app(library, host="127.0.0.1", token=token), host="127.0.0.1", port=port, log_level="error")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline and thread.is_alive(), "the API server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}/api/v1"
    finally:
        server.should_exit = True
        thread.join(10)


def _library_over(bundled_library, **overrides):
    """The bundled index (read only) with other API settings; shares the loaded model."""
    from rag import Library, Settings

    return Library(
        Settings(index_dir=bundled_library.settings.index_dir, **overrides), embedder=bundled_library.embedder
    )


@pytest.fixture(scope="module")
def api(bundled_library) -> Iterator[httpx.Client]:
    with running_api(bundled_library) as base, httpx.Client(base_url=base, timeout=120) as client:
        yield client


def _error(response: httpx.Response, status: int, code: str) -> str:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code and body["error"]["message"]
    return body["error"]["message"]


# -- happy paths ----------------------------------------------------------------------------------------


def test_ask_returns_the_answer_json_of_papers_ask(api, bundled_library):
    response = api.post("/ask", json={"question": NOVER_Q, "k": 5})
    assert response.status_code == 200
    body = response.json()
    expected = bundled_library.ask(NOVER_Q, k=5).to_dict()  # the one serialiser, `papers ask --json`'s
    assert body["answer"] == expected["answer"] and "[1]" in body["answer"] and not body["refused"]
    assert body["sources"][0]["n"] == 1 and body["sources"][0]["quotes"] and body["sources"][0]["title"]
    assert [s["chunk_id"] for s in body["sources"]] == [s["chunk_id"] for s in expected["sources"]]


def test_ask_declines_what_no_paper_covers(api):
    body = api.post("/ask", json={"question": "What is the boiling point of liquid zorbium on Neptune?"}).json()
    assert body["refused"] and body["sources"] == [] and "don't appear to answer" in body["answer"]


def test_search_related_papers_and_passages(api, bundled_library):
    hits = api.post("/search", json={"query": "verifier-free reinforcement learning", "k": 3}).json()["hits"]
    assert [h["rank"] for h in hits] == [1, 2, 3] and "NOVER" in hits[0]["title"] and hits[0]["location"]
    only = api.post(
        "/search", json={"query": "reinforcement learning", "filters": {"papers": [hits[1]["paper_id"]]}}
    ).json()["hits"]
    assert only and {h["paper_id"] for h in only} == {hits[1]["paper_id"]}

    passage = api.get(f"/passages/{hits[0]['chunk_id']}").json()
    assert passage["text"] == hits[0]["text"] and passage["paper_id"] == hits[0]["paper_id"]

    papers = api.get("/papers").json()["papers"]
    assert len(papers) == 19 and all("abstract" not in p and "sections" not in p for p in papers)
    nover = next(p for p in papers if p["title"].startswith("NOVER"))
    detail = api.get(f"/papers/{nover['id']}").json()
    assert detail["title"] == nover["title"] and detail["abstract"] and detail["section_chunks"]

    related = api.post("/related", json={"paper": nover["id"], "k": 2}).json()["related"]
    assert len(related) == 2 and all(0 < r["score"] <= 1 for r in related)
    assert nover["id"] not in {r["paper"]["id"] for r in related} and related[0]["matched_passage"]["text"]


def test_openapi_schema_describes_every_endpoint(api):
    schema = api.get("/openapi.json").json()
    assert {"/search", "/ask", "/related", "/papers", "/papers/{paper}", "/ingest"} <= set(schema["paths"])
    assert "question" in str(schema["components"]["schemas"]["AskRequest"])
    assert api.get("/docs").status_code == 200


# -- bad input ------------------------------------------------------------------------------------------


def test_bad_input_gets_json_errors_with_a_code(api):
    assert "query" in _error(api.post("/search", json={"query": ""}), 422, "invalid_input")
    assert "k" in _error(api.post("/search", json={"query": "x", "k": 0}), 422, "invalid_input")
    assert "mode" in _error(api.post("/search", json={"query": "x", "mode": "psychic"}), 422, "invalid_input")
    assert "nonsense" in _error(api.post("/ask", json={"question": "x", "nonsense": 1}), 422, "invalid_input")
    _error(api.post("/ask", content=b"{not json", headers={"content-type": "application/json"}), 422, "invalid_input")
    assert "empty" in _error(api.post("/search", json={"query": "\u0007  \u0008"}), 400, "bad_query")
    assert "no paper matching" in _error(api.get("/papers/no-such-paper"), 404, "not_found")
    assert "no passage" in _error(api.get("/passages/no-such-chunk"), 404, "not_found")
    _error(api.get("/nothing-here"), 404, "not_found")
    _error(api.get("/ask"), 405, "method_not_allowed")


# -- access control -------------------------------------------------------------------------------------


def test_token_is_required_when_set(bundled_library):
    with running_api(bundled_library, token=TOKEN) as base, httpx.Client(base_url=base, timeout=120) as client:
        assert "Bearer" in _error(client.get("/papers"), 401, "unauthorized")
        assert client.get("/papers").headers["www-authenticate"] == "Bearer"
        _error(client.get("/papers", headers={"Authorization": f"Bearer {TOKEN}x"}), 403, "forbidden")
        _error(client.get("/papers", headers={"Authorization": TOKEN}), 401, "unauthorized")
        _error(
            client.post("/ask", json={"question": NOVER_Q}, headers={"Authorization": "Basic abc"}), 401, "unauthorized"
        )
        ok = client.get("/papers", headers={"Authorization": f"Bearer {TOKEN}"})
        assert ok.status_code == 200 and len(ok.json()["papers"]) == 19
        assert client.get("/openapi.json").status_code == 200  # the schema is public, the calls are not


def test_token_is_generated_off_loopback_and_printed():
    from ui.access import required_token

    said: list[str] = []
    assert required_token(None, "127.0.0.1", False, said.append) is None and not said
    assert required_token("mine", "0.0.0.0", True, said.append) == "mine" and not said
    made = required_token(None, "0.0.0.0", False, said.append)
    assert made and len(made) >= 32 and made in said[0]
    shared = required_token(None, "127.0.0.1", True, said.append)
    assert shared and shared != made and shared in said[1]


def test_loopback_server_refuses_foreign_host_headers(api):
    """Without a token, a page on another site resolving to 127.0.0.1 (DNS rebinding) gets nothing."""
    _error(api.get("/papers", headers={"Host": "evil.example:80"}), 403, "bad_host")
    assert api.get("/papers", headers={"Host": "localhost"}).status_code == 200


def test_oversized_body_is_refused_before_it_is_read(bundled_library):
    library = _library_over(bundled_library, api_max_body_bytes=2_000)
    with running_api(library) as base, httpx.Client(base_url=base, timeout=60) as client:
        big = {"question": "x" * 1900, "k": 3, "filters": {"papers": ["p" * 100] * 20}}
        assert "2000 bytes" in _error(client.post("/ask", json=big), 413, "too_large")

        def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
            yield b'{"question": "'
            for _ in range(10):
                yield b"y" * 500
            yield b'"}'

        response = client.post("/ask", content=chunks(), headers={"content-type": "application/json"})
        _error(response, 413, "too_large")
        assert client.post("/search", json={"query": "verifier", "k": 1}).status_code == 200


def test_rate_limit_per_client(bundled_library):
    library = _library_over(bundled_library, api_rate_limit=5)
    with running_api(library) as base, httpx.Client(base_url=base, timeout=60) as client:
        assert [client.get("/papers").status_code for _ in range(5)] == [200] * 5
        limited = client.get("/papers")
        assert "5 requests a minute" in _error(limited, 429, "rate_limited")
        assert int(limited.headers["retry-after"]) >= 1


def test_path_traversal_reads_nothing(api, tmp_path: Path):
    secret = tmp_path / "secret.pdf"
    make_paper_pdf(secret)
    for path in (
        "/papers/..%2F..%2F..%2Fetc%2Fpasswd",
        "/papers/%2e%2e/%2e%2e/etc/passwd",
        "/passages/../../etc/passwd",
    ):
        response = api.get(path)
        assert response.status_code == 404 and "root:" not in response.text, path
    for ref in (
        str(secret),
        f"../../../../{secret}",
        "~/../../etc/passwd",
        "file:///etc/passwd",
        "http://127.0.0.1:1/x.pdf",
    ):
        message = _error(api.post("/related", json={"paper": ref}), 403, "path_not_allowed")
        assert PDF_TITLE not in message
    _error(api.post("/ingest", data={"arxiv_id": str(secret)}), 403, "path_not_allowed")


# -- writes ---------------------------------------------------------------------------------------------


def test_upload_and_arxiv_ingest(make_library, tmp_path: Path):
    pdf = tmp_path / "paper.pdf"
    make_paper_pdf(pdf)
    with ReplayServer() as replay:
        replay.add_pdf("2505.11111v1", make_pdf(["1 Introduction\n" + "Gradient noise scales with batch size. " * 30]))
        replay.add_feed(
            atom_feed([atom_entry("2505.11111", title="Noise and Batches")]), id_list="2505.11111", max_results=100
        )
        library = make_library(arxiv_api_url=replay.api_url, arxiv_pdf_base=replay.pdf_base, arxiv_delay_seconds=0)
        _upload_and_arxiv(library, pdf)


def _upload_and_arxiv(library, pdf: Path) -> None:
    with running_api(library) as base, httpx.Client(base_url=base, timeout=300) as client:
        files = {"file": ("../../../../tmp/escape.pdf", pdf.read_bytes(), "application/pdf")}
        report = client.post("/ingest", files=files).json()
        assert len(report["added"]) == 1 and report["added"][0][1] == PDF_TITLE and report["chunks"] > 0
        again = client.post("/ingest", files=files).json()
        assert again["added"] == [] and len(again["unchanged"]) == 1
        stored = list((library.settings.cache_dir / "uploads").rglob("*.pdf"))
        assert [p.name for p in stored] == ["escape.pdf"] and not Path("/tmp/escape.pdf").exists()

        bad = {"file": ("notes.pdf", b"just text, not a PDF", "application/pdf")}
        assert "not a PDF" in _error(client.post("/ingest", files=bad), 400, "bad_upload")
        _error(client.post("/ingest", data={"arxiv_id": "not an id"}), 400, "bad_request")
        _error(client.post("/ingest"), 400, "bad_request")

        added = client.post("/ingest", data={"arxiv_id": "arXiv:2505.11111"}).json()
        assert [a[0] for a in added["added"]] == ["arxiv:2505.11111"] and added["failed"] == []
        titles = {p["title"] for p in client.get("/papers").json()["papers"]}
        assert titles == {PDF_TITLE, "Noise and Batches"}


def test_read_only_refuses_writes(make_library, tmp_path: Path):
    library = make_library(read_only=True)
    pdf = tmp_path / "paper.pdf"
    make_paper_pdf(pdf)
    with running_api(library) as base, httpx.Client(base_url=base, timeout=60) as client:
        refused = client.post("/ingest", files={"file": ("paper.pdf", pdf.read_bytes(), "application/pdf")})
        assert "read-only" in _error(refused, 403, "read_only")
        _error(client.post("/ingest", data={"arxiv_id": "2505.16022"}), 403, "read_only")
    assert library.store.count() == 0


def test_read_only_web_app_refuses_writes(make_library, bundled_library, tmp_path: Path):
    from rag import Library, Settings
    from ui.app import PapersApp

    app = PapersApp(make_library(read_only=True))
    pdf = tmp_path / "paper.pdf"
    make_paper_pdf(pdf)
    assert "read-only" in app.add_files([str(pdf)], progress=None)
    assert "read-only" in app.add_arxiv("2505.16022")
    assert app.library.store.count() == 0
    shared = PapersApp(Library(Settings(index_dir=bundled_library.settings.index_dir, read_only=True)))
    assert "nothing can be added or removed" in shared.remove(bundled_library.papers()[0].id)
    assert len(bundled_library.papers()) == 19


# -- beside the web app ---------------------------------------------------------------------------------


def test_served_beside_the_web_app(bundled_library):
    from ui.app import launch_app
    from ui.http_api import api_routes

    routes = api_routes(bundled_library, host="127.0.0.1", token=None)
    demo = launch_app(bundled_library, port=_free_port(), block=False, quiet=True, warm_up=False, routes=routes)
    try:
        base = demo.local_url.rstrip("/")
        with httpx.Client(timeout=120) as client:
            assert client.get(base + "/").status_code == 200  # the Gradio page is still there
            assert len(client.get(base + "/api/v1/papers").json()["papers"]) == 19
            answer = client.post(base + "/api/v1/ask", json={"question": NOVER_Q}).json()
            assert "[1]" in answer["answer"]
            _error(client.get(base + "/api/v1/papers/none"), 404, "not_found")
    finally:
        demo.close()


def test_serve_flags():
    from ui.cli import build_parser, settings_from

    args = build_parser().parse_args(["serve", "--api-only", "--read-only"])
    assert args.api_only and settings_from(args).read_only
    assert not settings_from(build_parser().parse_args(["serve"])).read_only
