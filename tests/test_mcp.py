"""`papers mcp` as a subprocess, driven by the official MCP SDK's client: over stdio and over streamable
HTTP on 127.0.0.1 (initialize, list tools, search / ask / related, papers:// resources, the token), and
writes: refused without --allow-writes, and never from outside the folders given with --allow-dir."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
import httpx
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.conftest import REPO
from tests.pdf_factory import TITLE as PDF_TITLE
from tests.pdf_factory import make_paper_pdf

NOVER_Q = "How does NOVER avoid an external verifier?"
READ_TOOLS = {"search", "ask", "related", "list_papers", "get_paper", "get_passage"}
TOKEN = "mcp-test-token"


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERS_") or k == "PAPERS_ONNX_DIR"}
    return {**env, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", **extra}


def _command(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "ui.cli", "mcp", *map(str, args)]


@asynccontextmanager
async def stdio_session(errlog: Path, *args: str | Path) -> AsyncIterator[ClientSession]:
    command, *rest = _command(*args)
    params = StdioServerParameters(command=command, args=rest, env=_env(), cwd=REPO)
    with errlog.open("w") as log:
        async with stdio_client(params, errlog=log) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            yield session


def _text(result) -> str:
    assert result.content and result.content[0].type == "text"
    return result.content[0].text


async def _reads(session: ClientSession, bundled_library) -> None:
    """The read tools and resources, checked against the same library in this process."""
    tools = {t.name: t for t in (await session.list_tools()).tools}
    assert set(tools) == READ_TOOLS  # no `add` without --allow-writes
    assert all(len(t.description or "") > 60 for t in tools.values())
    assert tools["search"].input_schema["properties"]["k"]["maximum"] == 50

    found = await session.call_tool("search", {"query": "verifier-free reinforcement learning", "k": 3})
    hits = found.structured_content["hits"]
    assert not found.is_error and [h["rank"] for h in hits] == [1, 2, 3] and "NOVER" in hits[0]["title"]
    assert f"[chunk {hits[0]['chunk_id']}]" in _text(found)

    asked = await session.call_tool("ask", {"question": NOVER_Q, "k": 5})
    expected = bundled_library.ask(NOVER_Q, k=5).to_dict()  # the serialiser of `papers ask --json`
    assert asked.structured_content["answer"] == expected["answer"] and "[1]" in expected["answer"]
    assert asked.structured_content["sources"][0]["quotes"] == expected["sources"][0]["quotes"]
    text = _text(asked)
    assert text.startswith(expected["answer"]) and "\nSources:\n[1] " in text
    assert f'"{expected["sources"][0]["quotes"][0]}"' in text

    declined = await session.call_tool("ask", {"question": "What is the melting point of zorbium ice on Neptune?"})
    assert declined.structured_content["refused"] and "don't appear to answer" in _text(declined)

    nover = hits[0]["paper_id"]
    related = await session.call_tool("related", {"paper": nover, "k": 2})
    ranked = related.structured_content["related"]
    assert len(ranked) == 2 and nover not in {r["paper"]["id"] for r in ranked} and "similarity" in _text(related)

    papers = (await session.call_tool("list_papers", {})).structured_content["papers"]
    assert len(papers) == 19 and nover in {p["id"] for p in papers}
    paper = (await session.call_tool("get_paper", {"paper": "NOVER"})).structured_content
    assert paper["id"] == nover and paper["abstract"] and paper["section_chunks"]
    passage = await session.call_tool("get_passage", {"chunk_id": hits[0]["chunk_id"], "context": 1})
    assert passage.structured_content["passage"]["text"] == hits[0]["text"] and hits[0]["text"] in _text(passage)

    templates = (await session.list_resource_templates()).resource_templates
    assert [t.uri_template for t in templates] == ["papers://{paper_id}"]
    resource = (await session.read_resource(f"papers://{nover}")).contents[0]
    assert resource.text.startswith(f"# {paper['title']}") and "## Abstract" in resource.text

    bad = await session.call_tool("search", {"query": "", "k": 500})
    assert bad.is_error and "query" in _text(bad) and "k" in _text(bad)
    missing = await session.call_tool("get_paper", {"paper": "no such paper at all"})
    assert missing.is_error and "no paper matching" in _text(missing)
    refused = await session.call_tool("add", {"ref": "2505.16022"})
    assert refused.is_error and "Unknown tool" in _text(refused)
    for ref in ("/etc/passwd", "../../../../etc/hostname.pdf", "file:///etc/passwd"):
        outside = await session.call_tool("related", {"paper": ref})
        why = _text(outside)
        assert outside.is_error and ("outside the folders" in why or "no other URL" in why), ref


def test_stdio_session(bundled_library, tmp_path: Path):
    async def run() -> None:
        async with stdio_session(tmp_path / "err.log", "--index", bundled_library.settings.index_dir) as session:
            await _reads(session, bundled_library)

    anyio.run(run)


# -- streamable HTTP --------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"papers mcp --http exited: {log.read_text()[-2000:]}"
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"papers mcp --http did not listen on {port}: {log.read_text()[-2000:]}")


def test_http_session_with_a_token(bundled_library, tmp_path: Path):
    import httpx2

    port = _free_port()
    log = tmp_path / "server.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            _command("--http", str(port), "--index", bundled_library.settings.index_dir),
            env=_env(PAPERS_API_TOKEN=TOKEN),
            cwd=REPO,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_for_port(port, proc, log)
        url = f"http://127.0.0.1:{port}/mcp"
        hello = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {}}
        accept = {"Accept": "application/json, text/event-stream"}
        anonymous = httpx.post(url, json=hello, headers=accept, timeout=30)
        assert anonymous.status_code == 401 and anonymous.json()["error"]["code"] == "unauthorized"
        wrong = httpx.post(url, json=hello, headers={**accept, "Authorization": "Bearer nope"}, timeout=30)
        assert wrong.status_code == 403 and wrong.json()["error"]["code"] == "forbidden"
        huge = httpx.post(
            url, content=b"x" * 2_000_000, headers={**accept, "Authorization": f"Bearer {TOKEN}"}, timeout=30
        )
        assert huge.status_code == 413 and huge.json()["error"]["code"] == "too_large"

        async def run() -> None:
            client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {TOKEN}"}, timeout=120)
            async with (
                client,
                streamable_http_client(url, http_client=client) as (read, write),
                ClientSession(read, write) as session,
            ):
                info = await session.initialize()
                assert info.server_info.name == "papers" and "ask" in (info.instructions or "")
                await _reads(session, bundled_library)

        anyio.run(run)
    finally:
        proc.terminate()
        proc.wait(30)


# -- writes -----------------------------------------------------------------------------------------------


def test_writes_need_the_flag_and_an_allowed_folder(tmp_path: Path, bundled_library):
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    allowed.mkdir()
    outside.mkdir()
    make_paper_pdf(allowed / "paper.pdf")
    secret = outside / "secret.pdf"
    secret.write_bytes((allowed / "paper.pdf").read_bytes().replace(b"Provenance", b"Confidential"))
    (allowed / "link.pdf").symlink_to(secret)
    (allowed / "sub").mkdir()
    (allowed / "sub" / "inner.pdf").symlink_to(secret)
    (allowed / "list.txt").write_text(f"paper.pdf\n{secret}\n", encoding="utf-8")
    (allowed / "urls.txt").write_text("http://127.0.0.1:9/internal.pdf\n", encoding="utf-8")
    index = tmp_path / "index"

    async def run() -> None:
        flags = ("--index", index, "--allow-writes", "--allow-dir", allowed)
        async with stdio_session(tmp_path / "err.log", *flags) as session:
            tools = {t.name: t for t in (await session.list_tools()).tools}
            assert set(tools) == READ_TOOLS | {"add"} and not tools["add"].annotations.read_only_hint

            added = await session.call_tool("add", {"ref": str(allowed / "paper.pdf")})
            assert not added.is_error and [a[1] for a in added.structured_content["added"]] == [PDF_TITLE]
            again = await session.call_tool("add", {"ref": str(allowed / "paper.pdf")})
            assert again.structured_content["added"] == [] and len(again.structured_content["unchanged"]) == 1

            for ref in (secret, allowed / "link.pdf", allowed / ".." / "outside" / "secret.pdf", outside):
                refused = await session.call_tool("add", {"ref": str(ref)})
                assert refused.is_error and "outside the folders" in _text(refused), ref
            for ref, why in [(allowed / "sub", "inner.pdf"), (allowed / "list.txt", "secret.pdf")]:
                refused = await session.call_tool("add", {"ref": str(ref)})  # what a folder or list leads to
                assert refused.is_error and "outside the folders" in _text(refused) and why in _text(refused), ref
            refused = await session.call_tool("add", {"ref": str(allowed / "urls.txt")})
            assert refused.is_error and "no other URL" in _text(refused)
            refused = await session.call_tool("related", {"paper": str(secret)})
            assert refused.is_error and "outside the folders" in _text(refused)
            papers = (await session.call_tool("list_papers", {})).structured_content["papers"]
            assert [p["title"] for p in papers] == [PDF_TITLE]

        async with stdio_session(tmp_path / "err2.log", *flags, "--read-only") as session:
            assert {t.name for t in (await session.list_tools()).tools} == READ_TOOLS

    anyio.run(run)
    summary = json.dumps([p.title for p in _papers(index, bundled_library)])
    assert PDF_TITLE in summary and "Confidential" not in summary


def _papers(index: Path, bundled_library):
    from rag import Library, Settings

    return Library(Settings(index_dir=index), embedder=bundled_library.embedder).papers()


def test_mcp_flags():
    from ui.cli import build_parser, settings_from

    args = build_parser().parse_args(["mcp", "--http", "8765", "--allow-writes", "--allow-dir", "/tmp/a"])
    settings = settings_from(args)
    assert args.http == 8765 and args.host == "127.0.0.1" and settings.allowed_dirs == [Path("/tmp/a")]
    assert not settings.read_only and settings_from(build_parser().parse_args(["mcp", "--read-only"])).read_only
