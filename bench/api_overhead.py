"""MCP tool-call overhead vs the same call in-process, and concurrent HTTP API asks while an ingest runs.

    python -m bench.api_overhead [--calls 30] [--clients 8] [--asks 10] [--work DIR]

Index: the bundled corpus (data/papers.jsonl) in a fresh folder. Questions: bench/questions/bundled_answerable.jsonl.
  1. overhead: `search` (k=5) and `ask`, `--calls` times each, in this process (`Library`) and through the
     official MCP client to `papers mcp` subprocesses over stdio and over streamable HTTP on 127.0.0.1,
     interleaved call by call after a warm-up. Printed: p50/p95 per path, the MCP p50 minus the in-process
     p50 (the target: ≤ 20 ms), and an MCP ping's round trip (the protocol alone, robust to machine load).
  2. load: `papers serve --api-only` as a subprocess (rate limit off for the run: PAPERS_API_RATE_LIMIT=0),
     `--clients` threads each POST /api/v1/ask `--asks` times, while another thread uploads PDFs to
     /api/v1/ingest one after another (../shared/pdfs, else generated ones) until the asks are done.
     Printed: errors (target 0), latency p50/p95, asks/s, and how many asks ran while an ingest was running.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

REPO = Path(__file__).resolve().parents[1]
SHARED_PDFS = REPO.parent / "shared" / "pdfs"
QUESTIONS = REPO / "bench" / "questions" / "bundled_answerable.jsonl"
PATHS = ("in-process", "MCP stdio", "MCP HTTP")
SEARCHES = ["verifier-free reinforcement learning", "reward model for dialogue", "false negatives in verification"]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def ms(values: list[float]) -> str:
    return f"p50 {pct(values, 0.5) * 1000:7.1f} ms  p95 {pct(values, 0.95) * 1000:7.1f} ms"


def questions(n: int) -> list[str]:
    lines = [json.loads(line)["question"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line]
    return [lines[i % len(lines)] for i in range(n)]


def env(**extra: str) -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False", **extra}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise SystemExit(f"server did not listen on {port}")


def calls(n: int) -> list[tuple[str, dict]]:
    """The same (tool, arguments) list for every path: n searches and n asks."""
    searches = [("search", {"query": SEARCHES[i % len(SEARCHES)], "k": 5}) for i in range(n)]
    return searches + [("ask", {"question": q}) for q in questions(n)]


# -- 1. overhead ------------------------------------------------------------------------------------------


def overhead(index: Path, plan: list[tuple[str, dict]], errlog) -> dict[str, dict[str, list[float]]]:
    """Each call in turn in-process, over stdio and over HTTP (interleaved: the machine's load, shared with
    other work, falls on all three alike); after a warm-up of each path."""
    import anyio
    from mcp import ClientSession, StdioServerParameters, stdio_client
    from mcp.client.streamable_http import streamable_http_client

    from rag import Library, Settings

    library = Library(Settings(index_dir=index))
    local = {"search": library.search, "ask": library.ask}
    mcp = [sys.executable, "-m", "ui.cli", "mcp", "--index", str(index)]
    port = free_port()
    proc = subprocess.Popen([*mcp, "--http", str(port)], env=env(), cwd=REPO, stdout=errlog, stderr=errlog)
    stdio = StdioServerParameters(command=mcp[0], args=mcp[1:], env=env(), cwd=REPO)
    times: dict[str, dict[str, list[float]]] = {p: {"search": [], "ask": [], "ping": []} for p in PATHS}

    async def remote(session: ClientSession, tool: str, args: dict) -> float:
        t0 = time.perf_counter()
        result = await session.call_tool(tool, args)
        if result.is_error:
            raise SystemExit(f"{tool} failed over MCP: {result.content[0].text}")
        return time.perf_counter() - t0

    async def run() -> None:
        async with (
            stdio_client(stdio, errlog=errlog) as (read, write),
            ClientSession(read, write) as over_stdio,
            streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (http_read, http_write),
            ClientSession(http_read, http_write) as over_http,
        ):
            await over_stdio.initialize()
            await over_http.initialize()
            for i, (tool, args) in enumerate(plan[:2] + plan[-2:] + plan):  # the first four warm up
                t0 = time.perf_counter()
                local[tool](**args)
                measured = [time.perf_counter() - t0, await remote(over_stdio, tool, args)]
                measured.append(await remote(over_http, tool, args))
                if i >= 4:
                    for path, seconds in zip(PATHS, measured, strict=True):
                        times[path][tool].append(seconds)
                    for path, session in (("MCP stdio", over_stdio), ("MCP HTTP", over_http)):
                        t0 = time.perf_counter()
                        await session.send_ping()  # the protocol's round trip alone, no library work
                        times[path]["ping"].append(time.perf_counter() - t0)

    try:
        wait_for_port(port, proc)
        anyio.run(run)
    finally:
        proc.terminate()
        proc.wait(30)
    return times


# -- 2. load ----------------------------------------------------------------------------------------------


def pdfs_to_ingest(work: Path) -> list[Path]:
    found = sorted(SHARED_PDFS.glob("*.pdf"))
    if found:
        return found
    from tests.pdf_factory import make_long_pdf  # fpdf2 (the test extra) when ../shared is absent

    made = []
    for i in range(4):
        made.append(work / f"generated-{i}.pdf")
        make_long_pdf(made[-1], pages=10 + i)
    return made


def load(index: Path, clients: int, asks: int, work: Path, errlog) -> None:
    import httpx

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "ui.cli", "serve", "--api-only", "--port", str(port), "--index", str(index)],
        env=env(PAPERS_API_RATE_LIMIT="0"),
        cwd=REPO,
        stdout=errlog,
        stderr=errlog,
    )
    base = f"http://127.0.0.1:{port}/api/v1"
    try:
        wait_for_port(port, proc)
        with httpx.Client(timeout=300) as client:
            client.post(f"{base}/ask", json={"question": questions(1)[0]}).raise_for_status()  # warm-up
        lock = threading.Lock()
        latencies: list[float] = []
        errors: list[str] = []
        during_ingest = 0
        ingesting = threading.Event()
        done = threading.Event()
        ingested: list[tuple[str, float, str]] = []

        def ingest_loop() -> None:
            with httpx.Client(timeout=600) as client:
                for pdf in pdfs_to_ingest(work):
                    if done.is_set():
                        return
                    ingesting.set()
                    t0 = time.perf_counter()
                    r = client.post(f"{base}/ingest", files={"file": (pdf.name, pdf.read_bytes(), "application/pdf")})
                    outcome = "ok" if r.status_code == 200 and not r.json()["failed"] else f"HTTP {r.status_code}"
                    ingested.append((pdf.name, time.perf_counter() - t0, outcome))
                ingesting.clear()

        def client_loop(offset: int) -> None:
            nonlocal during_ingest
            with httpx.Client(timeout=300) as client:
                for q in questions(asks + offset)[offset:]:
                    busy = ingesting.is_set()
                    t0 = time.perf_counter()
                    try:
                        r = client.post(f"{base}/ask", json={"question": q})
                        ok = r.status_code == 200 and "answer" in r.json()
                        why = "" if ok else f"HTTP {r.status_code}: {r.text[:200]}"
                    except httpx.HTTPError as exc:
                        why = f"{type(exc).__name__}: {exc}"
                    with lock:
                        latencies.append(time.perf_counter() - t0)
                        during_ingest += busy and ingesting.is_set()
                        if why:
                            errors.append(why)

        writer = threading.Thread(target=ingest_loop)
        writer.start()
        while not ingesting.is_set():
            time.sleep(0.01)
        t0 = time.perf_counter()
        threads = [threading.Thread(target=client_loop, args=(i * 7,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
        done.set()
        writer.join()
    finally:
        proc.terminate()
        proc.wait(30)
    total = clients * asks
    print(f"\nload: {clients} clients x {asks} asks = {total} POST /api/v1/ask while PDFs were ingested")
    print(f"  errors            {len(errors)}" + (f"  (first: {errors[0]})" if errors else ""))
    print(f"  latency           {ms(latencies)}")
    print(f"  throughput        {total / wall:.1f} asks/s over {wall:.1f} s")
    print(f"  during an ingest  {during_ingest} of {total} asks started and ended while a PDF was being ingested")
    for name, seconds, outcome in ingested:
        print(f"  ingest            {name}: {seconds:.1f} s, {outcome}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=30, help="searches and asks timed per path (default 30)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent API clients (default 8)")
    parser.add_argument("--asks", type=int, default=10, help="asks per client (default 10)")
    parser.add_argument("--work", type=Path, help="keep the index here (default: a temporary folder)")
    args = parser.parse_args()
    os.environ.update(env())
    work = args.work or Path(tempfile.mkdtemp(prefix="papers-api-bench-"))
    index = work / "index"
    try:
        from rag import Library, Settings

        if not index.exists():
            Library(Settings(index_dir=index)).ingest([str(REPO / "data" / "papers.jsonl")])
        plan = calls(args.calls)
        with (work / "servers.log").open("w") as errlog:
            paths = overhead(index, plan, errlog)
            print(f"overhead: {args.calls} calls each of search (k=5) and ask, bundled corpus")
            for name in PATHS[1:]:
                print(f"  ping   {name:<11} {ms(paths[name]['ping'])}  (an MCP round trip, no tool)")
            for tool in ("search", "ask"):
                base = pct(paths["in-process"][tool], 0.5)
                for name, times in paths.items():
                    extra = (
                        ""
                        if name == "in-process"
                        else f"  overhead p50 {(pct(times[tool], 0.5) - base) * 1000:+6.1f} ms"
                    )
                    print(f"  {tool:<6} {name:<11} {ms(times[tool])}{extra}")
            load(index, args.clients, args.asks, work, errlog)
    finally:
        if not args.work:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
