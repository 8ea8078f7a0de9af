"""Peak RSS and cold start of the real commands on a (large) index, each in a fresh process.

    python -m bench.memory --index DIR [--runs 3] [--serve]

For each encoder backend (default: auto, torch) it runs `papers search` and `papers ask` as new processes and
reports wall time to the printed result, the CPU seconds the process used (user+sys: what wall time is on
an idle machine, since start-up is single-threaded) and peak RSS (from wait4). With --serve it starts
`papers serve` (which warms up: model, BM25, HNSW), waits for the page, and reads its peak RSS (VmHWM).
Build a 100k-chunk index with bench/query_latency.py --work DIR.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PAPERS = Path(sys.executable).with_name("papers")
QUERY = "What is the role of microRNAs in cancer?"


def run(cmd: list[str], env: dict[str, str]) -> tuple[float, float, float, int]:
    """(wall s, cpu s, peak RSS MB, exit code) of one fresh process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, proc.returncode


def serve_rss(index: Path, env: dict[str, str], timeout: float = 600) -> tuple[float, float]:
    """(seconds until the page answers, peak RSS MB) of `papers serve` after its warm-up."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    cmd = [str(PAPERS), "serve", "--index", str(index), "--port", str(port)]
    t = time.perf_counter()
    log = (Path(tempfile.gettempdir()) / "papers-bench-serve.log").open("w")
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        while time.perf_counter() - t < timeout:
            if proc.poll() is not None:
                raise SystemExit(f"papers serve exited with {proc.returncode}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2):
                    break
            except OSError:
                time.sleep(0.5)
        ready = time.perf_counter() - t
        status = Path(f"/proc/{proc.pid}/status").read_text()
        hwm = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM"))
        return ready, hwm / 1024
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--serve", action="store_true")
    ap.add_argument("--backends", default="auto,torch")
    args = ap.parse_args(argv)

    print(f"index: {args.index}  (median of {args.runs} runs; cpu = user+sys seconds)")
    print(f"{'command':<30} {'wall s':>8} {'cpu s':>8} {'peak RSS MB':>12}")
    for backend in args.backends.split(","):
        env = {**os.environ, "PAPERS_ENCODER_BACKEND": backend, "HF_HUB_OFFLINE": "1"}
        run([str(PAPERS), "search", "warm the page cache", "--index", str(args.index)], env)  # export, disk cache
        for command in ("search", "ask"):
            results = sorted(
                run([str(PAPERS), command, QUERY, "--index", str(args.index)], env) for _ in range(args.runs)
            )
            wall, cpu, rss, code = results[len(results) // 2]
            assert code == 0, f"papers {command} exited {code}"
            print(f"{f'papers {command} ({backend})':<30} {wall:>8.2f} {cpu:>8.2f} {rss:>12.0f}")
        if args.serve:
            ready, rss = serve_rss(args.index, env)
            print(f"{f'papers serve ({backend})':<30} {ready:>8.2f} {'':>8} {rss:>12.0f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
