"""The core ingest/search/ask/remove behaviour against a real Chroma server (`chroma run`), and two Library
instances (as two `papers serve` processes would be) sharing one server."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from tests import chroma_peek
from tests.chroma_server import chroma_server  # noqa: F401  (the session fixture)
from tests.conftest import BUNDLED

_names = itertools.count()


@pytest.fixture
def server_library(chroma_server: str, make_library, tmp_path: Path):  # noqa: F811
    """Library factory over the shared server; each test gets its own collection prefix (order-independent)."""
    collection = f"t{next(_names)}_{tmp_path.name[-12:].replace('-', '_')}"

    def make(name: str = "a"):
        library = make_library(chroma_url=chroma_server, collection=collection)
        library.settings.index_dir = tmp_path / f"local-{name}"  # a separate local cache per instance
        return library

    return make


def _subset(tmp_path: Path, rows: slice, name: str) -> Path:
    lines = BUNDLED.read_text(encoding="utf-8").splitlines()[rows]
    path = tmp_path / f"{name}.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_ingest_search_ask_remove_over_http(server_library) -> None:
    library = server_library()
    report = library.ingest([str(BUNDLED)])
    assert len(report.added) == 19 and not report.failed
    assert library.store.location.startswith("http://127.0.0.1:")
    assert not library.store.embedded  # HTTP, not embedded: the chunks are on the server
    assert len(chroma_peek.chunk_ids(library)) == report.chunks
    assert not (library.settings.index_dir / "chroma").exists()  # nothing embedded was created locally
    assert library.stats()["chunks"] == report.chunks
    assert library.ingest([str(BUNDLED)]).unchanged.__len__() == 19  # the catalogue lives on the server too

    for mode in ("dense", "bm25", "hybrid"):
        hit = library.search("pixel-space reasoning with zoom-in", k=1, mode=mode)[0]
        assert hit.title.startswith("Pixel Reasoner"), mode

    answer = library.ask("What accuracy does GUI-G1-3B reach on ScreenSpot?")
    assert not answer.refused and answer.sources[0].hit.title.startswith("GUI-G1")
    assert "90.3%" in answer.text

    _record, removed = library.remove("TinyV")
    assert removed > 0 and library.store.count() == report.chunks - removed
    assert all(not h.title.startswith("TinyV") for h in library.search("TinyV verifier", k=8, mode="bm25"))
    assert all(not h.title.startswith("TinyV") for h in library.search("false negatives of verifiers", k=8))


def test_two_instances_see_each_others_writes(server_library, tmp_path: Path) -> None:
    first, second = server_library("a"), server_library("b")
    first.ingest([str(_subset(tmp_path, slice(0, 10), "first"))])
    titles = [json.loads(line)["title"] for line in BUNDLED.read_text(encoding="utf-8").splitlines()]

    # The second instance has never written: it reads the first one's papers, lexically and densely.
    assert {p.title for p in second.papers()} == set(titles[:10])
    assert second.search("pixel-space reasoning with zoom-in", k=1, mode="bm25")[0].title == titles[1]

    # Its own ingest moves the revision: the first instance's BM25 (built at the old revision) is rebuilt.
    first.search("anything at all", k=1, mode="bm25")
    second.ingest([str(_subset(tmp_path, slice(10, 19), "second"))])
    late = titles[15]
    hit = first.search(late, k=1, mode="bm25")[0]
    assert hit.title == late
    assert first.search(late, k=1, mode="hybrid")[0].title == late

    # A removal by one is seen by the other, BM25 included.
    second.remove(titles[1])
    assert all(h.title != titles[1] for h in first.search("pixel-space reasoning with zoom-in", k=8, mode="bm25"))
    assert len(first.papers()) == 18


def test_cli_commands_take_a_chroma_url(chroma_server: str, tmp_path: Path, capsys, monkeypatch) -> None:  # noqa: F811
    from ui.cli import main

    monkeypatch.setenv("PAPERS_COLLECTION", f"cli_{tmp_path.name[-12:].replace('-', '_')}")
    common = ["--chroma-url", chroma_server, "--index", str(tmp_path / "local")]
    titles = [json.loads(line)["title"] for line in BUNDLED.read_text(encoding="utf-8").splitlines()[:3]]
    assert main(["ingest", str(_subset(tmp_path, slice(0, 3), "cli")), *common]) == 0
    capsys.readouterr()
    assert main(["list", *common]) == 0
    listed = capsys.readouterr().out
    assert all(t[:30] in listed for t in titles)
    assert main(["search", titles[2], "-k", "1", *common]) == 0
    assert titles[2][:30] in capsys.readouterr().out
    assert not (tmp_path / "local" / "chroma").exists()


def test_reindex_rebuilds_from_stored_chunks_and_swaps(server_library, tmp_path: Path) -> None:
    library = server_library()
    library.ingest([str(_subset(tmp_path, slice(0, 4), "reindex"))])
    before = chroma_peek.chunks(library).get(include=["embeddings"])
    query = "pixel-space reasoning with zoom-in"
    ranking = [h.chunk_id for h in library.search(query, k=5)]
    assert library.reindex() == len(before["ids"])
    after = chroma_peek.chunks(library).get(include=["embeddings"])
    assert sorted(after["ids"]) == sorted(before["ids"])
    old = dict(zip(before["ids"], before["embeddings"], strict=True))
    assert all(np.allclose(old[i], v, atol=1e-6) for i, v in zip(after["ids"], after["embeddings"], strict=True))
    assert [h.chunk_id for h in library.search(query, k=5)] == ranking
    assert len(library.papers()) == 4
    names = {c if isinstance(c, str) else c.name for c in chroma_peek.client(library).list_collections()}
    assert not any(n.startswith(library.settings.collection) and n.endswith("_next") for n in names)
