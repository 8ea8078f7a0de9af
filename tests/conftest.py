"""Shared fixtures: a real index of the bundled corpus (real embedder, real embedded Chroma)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
# The ONNX query encoder is exported once per session here, not into the user's ~/.cache.
_ONNX_DIR = tempfile.mkdtemp(prefix="papers-test-onnx-")
os.environ["PAPERS_ONNX_DIR"] = _ONNX_DIR


def pytest_sessionfinish(session, exitstatus) -> None:
    shutil.rmtree(_ONNX_DIR, ignore_errors=True)


REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
BUNDLED = REPO / "data" / "papers.jsonl"


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or a skip saying why the test cannot run without it."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is absent (../shared is only beside the repo in CI and dev sessions)")
    return path


@pytest.fixture(scope="session")
def bundled_library(tmp_path_factory: pytest.TempPathFactory):
    """The bundled corpus ingested once per test session; tests must not modify it."""
    from rag import Library, Settings

    library = Library(Settings(index_dir=tmp_path_factory.mktemp("bundled-index")))
    report = library.ingest([str(BUNDLED)])
    assert len(report.added) == 19 and not report.failed
    return library


@pytest.fixture
def make_library(tmp_path: Path, bundled_library):
    """A fresh, empty index for tests that write; shares the loaded model with the bundled one."""
    from rag import Library, Settings

    def make(**overrides) -> Library:
        same_model = overrides.get("embed_model") in (None, bundled_library.settings.embed_model)
        embedder = bundled_library.embedder if same_model else None  # one model load per session
        return Library(Settings(index_dir=tmp_path / "index", **overrides), embedder=embedder)

    return make
