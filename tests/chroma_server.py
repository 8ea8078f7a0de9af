"""A real Chroma server (`chroma run`) on a free loopback port, for the server-mode tests.

Started once per test session (it needs ~1-3 s to come up), data in a temp folder, killed at teardown
with its whole process group so nothing is left running (tests/chroma_process.py starts and stops it).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.chroma_process import chroma_cli, start, stop

START_TIMEOUT = 60.0


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL (http://127.0.0.1:PORT) of a fresh Chroma server for this session."""
    if chroma_cli() is None:
        pytest.skip("the `chroma` CLI is not installed beside this Python")
    data = tmp_path_factory.mktemp("chroma-server")
    proc, url, _ = start(data / "db", data / "server.log", START_TIMEOUT)
    try:
        yield url
    finally:
        stop(proc)
