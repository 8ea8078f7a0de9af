"""Browser end-to-end: `papers serve` in a subprocess, driven by Debian's Chromium through playwright-core.

Setup (once): `apt-get install -y chromium` and `npm ci` (or `npm install`) at the repo root. The test
skips, saying which, when either is missing. Screenshots go to test-artifacts/screenshots/, the
measurements to test-artifacts/e2e-results.json.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
PLAYWRIGHT = REPO / "node_modules" / "playwright-core"
ARTIFACTS = REPO / "test-artifacts"
UPLOAD_TITLE = "Lunar Regolith Bricks for Habitat Construction"
UPLOAD_TITLE_ZH = "Basalt Fibre Rebar for Martian Habitats"  # uploaded with the page in Chinese
UPLOAD_QUESTION = "How are lunar regolith bricks sintered?"
HOSTILE_QUESTION = "How fast do quantum bananas ripen under coherent light?"
HOSTILE = {
    "id": "hostile-quantum-bananas",
    "title": 'Quantum <script>window.__pwned=1</script> Bananas <img src=x onerror="window.__pwned=2">',
    "authors": ["Eve <b onmouseover=window.__pwned=8>Mallory</b>"],
    "abstract": (
        "Quantum bananas ripen twice as fast under coherent light <script>window.__pwned=3</script> in our "
        "orchard trials. See [x](javascript:window.__pwned=4) and ${window.__pwned=5} for the protocol. "
        "The ripening rate of quantum bananas doubled when the orchard was lit by a laser "
        "<img src=x onerror=window.__pwned=6> at night."
    ),
    "year": 2024,
    "url": "javascript:window.__pwned=7",
}

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _require_tools() -> str:
    node = shutil.which("node")
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: run `apt-get install -y chromium` (as root)")
    if not node:
        pytest.skip("node is missing: install Node.js 18+ to drive the browser")
    if not PLAYWRIGHT.exists():
        pytest.skip("node_modules/playwright-core is missing: run `npm ci` at the repo root")
    return node


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _make_pdf(path: Path, title: str = UPLOAD_TITLE) -> None:
    """A two-page paper with a real title, headings and sentences to ask about."""
    from fpdf import FPDF

    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(True, margin=20)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 18)
    pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(0, 6, "Ada Selene, Neil Crater", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    body = {
        "Abstract": [
            "We show how bricks for lunar habitats can be made from regolith, the loose dust covering the Moon.",
            "Lunar regolith bricks are sintered with concentrated microwaves at about 1100 degrees Celsius.",
            "The sintered bricks reach a compressive strength of 30 megapascals without any binder.",
        ],
        "1 Introduction": [
            "Shipping construction material from Earth costs thousands of dollars per kilogram.",
            "Using local regolith for habitat walls removes most of that launch mass.",
        ],
    }
    for heading, sentences in body.items():
        pdf.set_font("Helvetica", "B", 13)
        pdf.multi_cell(0, 8, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.multi_cell(0, 6, " ".join(sentences), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 13)
    pdf.multi_cell(0, 8, "2 Method", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "", 11)
    pdf.multi_cell(
        0,
        6,
        "The regolith simulant is pressed into moulds and heated by a 2.45 gigahertz magnetron for twenty minutes. "
        "Microwave sintering heats the grains from inside, so the bricks sinter evenly and do not crack. "
        "Cooling the bricks slowly over three hours prevents thermal shock.",
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.output(str(path))


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 240) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"papers serve exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            time.sleep(1)
    pytest.fail(f"papers serve did not answer within {timeout:.0f} s:\n{log.read_text()[-3000:]}")


def run_browser_script(
    node: str, script: Path, env: dict[str, str], timeout: float = 600
) -> subprocess.CompletedProcess:
    """Run a Playwright script, leaving no browser and no files behind. Chromium makes its single-instance
    socket directory (org.chromium.Chromium.*) under TMPDIR and leaves it there whenever the script ends
    without closing the browser (a failed check): TMPDIR is a directory removed afterwards (short, under
    /tmp: a socket path has 108 bytes). The script runs in its own process group, ended as a whole when it
    overruns (killing node alone would leave its browser running)."""
    with tempfile.TemporaryDirectory(prefix="papers-chromium-", ignore_cleanup_errors=True) as tmp:
        script_env = {**env, "TMPDIR": tmp}
        with subprocess.Popen(
            [node, str(script)],
            cwd=REPO,
            env=script_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        ) as proc:
            try:
                out, err = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                out, err = proc.communicate()
                err += f"\n{script.name} did not finish within {timeout:.0f} s"
        return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@contextlib.contextmanager
def serving(index: Path, env: dict[str, str], log: Path) -> Iterator[str]:
    """`papers serve` on the index in a subprocess: its URL once the page answers; stopped on exit. Its
    temporary files (uploads Gradio keeps, answers exported for download) go to a TMPDIR removed then."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    with tempfile.TemporaryDirectory(prefix="papers-serve-", ignore_cleanup_errors=True) as tmp:
        with log.open("w") as out:
            server = subprocess.Popen(
                [sys.executable, "-m", "ui.cli", "serve", "--index", str(index), "--port", str(port)],
                cwd=REPO,
                env={**env, "TMPDIR": tmp},
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_until_up(url, server, log)
            yield url
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait(timeout=10)


def test_app_in_chromium(tmp_path: Path) -> None:
    node = _require_tools()
    pdf = tmp_path / "lunar-bricks.pdf"
    _make_pdf(pdf)
    pdf_zh = tmp_path / "martian-rebar.pdf"
    _make_pdf(pdf_zh, UPLOAD_TITLE_ZH)
    index = tmp_path / "index"
    hostile = tmp_path / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    env.pop("PAPERS_INDEX_DIR", None)
    cli = [sys.executable, "-m", "ui.cli"]
    ingest = subprocess.run(
        [*cli, "ingest", str(REPO / "data" / "papers.jsonl"), str(hostile), "--index", str(index)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert ingest.returncode == 0, ingest.stdout + ingest.stderr
    assert "20 added" in ingest.stdout

    log = tmp_path / "serve.log"
    with serving(index, env, log) as url:
        shots = ARTIFACTS / "screenshots"
        run = run_browser_script(
            node,
            REPO / "tests" / "browser" / "e2e.mjs",
            {
                **env,
                "APP_URL": url,
                "SHOT_DIR": str(shots),
                "PROFILE_DIR": str(tmp_path / "chromium-profile"),
                "CHROMIUM": str(CHROMIUM),
                "UPLOAD_PDF": str(pdf),
                "UPLOAD_PDF_ZH": str(pdf_zh),
                "UPLOAD_TITLE": UPLOAD_TITLE,
                "UPLOAD_QUESTION": UPLOAD_QUESTION,
                "HOSTILE_QUESTION": HOSTILE_QUESTION,
            },
        )
        assert run.returncode == 0, (
            f"{run.stdout[-3000:]}\n{run.stderr[-5000:]}\nserver log:\n{log.read_text()[-2000:]}"
        )
        results = json.loads(run.stdout.strip().splitlines()[-1])
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "e2e-results.json").write_text(json.dumps(results, indent=2))
        assert results["external_requests"] == []
        assert len(results["screenshots"]) >= 5 and all(Path(p).exists() for p in results["screenshots"])
        assert "Traceback" not in log.read_text()
