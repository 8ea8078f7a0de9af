"""Start and stop a real Chroma server (`chroma run`) on a free loopback port.

One helper for the server-mode tests (tests/chroma_server.py, a pytest fixture) and the benchmarks that
measure against a server (bench/scale.py): the server runs in its own process group, so stopping it
also ends anything it spawned and nothing is left running.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

BESIDE_PYTHON = Path(sys.executable).with_name("chroma")


def chroma_cli() -> str | None:
    """The `chroma` CLI of this environment (beside this Python, else on PATH), or None."""
    if BESIDE_PYTHON.exists():
        return str(BESIDE_PYTHON)
    return shutil.which("chroma")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(url: str, proc: subprocess.Popen, timeout: float) -> float:
    """Seconds until the heartbeat answers; fails if the server dies or never answers."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma run exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2) as response:
                if response.status == 200:
                    return time.monotonic() - start
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"chroma run did not answer on {url} within {timeout:.0f} s")


def start(path: Path, log: Path, timeout: float = 60.0) -> tuple[subprocess.Popen, str, float]:
    """`chroma run --path PATH` on 127.0.0.1, output to `log`: (process, url, seconds until it answers).
    A server that does not come up is stopped before the error is raised."""
    cli = chroma_cli()
    if cli is None:
        raise RuntimeError("the `chroma` CLI is not installed beside this Python or on PATH")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        proc = subprocess.Popen(
            [cli, "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,  # its own process group: stop() ends it and anything it spawned
            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
    try:
        return proc, url, wait_ready(url, proc, timeout)
    except BaseException:
        stop(proc)
        raise


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM to the server's process group, SIGKILL if it is still there after `timeout` seconds."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
