"""`papers add` end to end: the real arxiv client against the loopback replay server, into a real index."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from tests.arxiv_replay import ReplayServer, atom_entry, atom_feed, make_pdf
from ui.cli import main


@pytest.fixture
def replay(monkeypatch, tmp_path) -> Iterator[ReplayServer]:
    with ReplayServer() as server:
        monkeypatch.setenv("PAPERS_ARXIV_API_URL", server.api_url)
        monkeypatch.setenv("PAPERS_ARXIV_PDF_BASE", server.pdf_base)
        monkeypatch.setenv("PAPERS_ARXIV_DELAY_SECONDS", "0")
        monkeypatch.setenv("PAPERS_ARXIV_RETRIES", "1")
        monkeypatch.setenv("PAPERS_INDEX_DIR", str(tmp_path / "index"))
        yield server


def _serve_ids(server: ReplayServer, ids: str, entries: list[str]) -> None:
    server.add_feed(atom_feed(entries), id_list=ids, max_results=100)


def test_add_by_id_with_pdf_and_abstract_fallback_then_version_replacement(replay, bundled_library, capsys) -> None:
    text = "Gradient noise scales with batch size. " * 30
    replay.add_pdf("2505.11111v1", make_pdf(["1 Introduction\n" + text, "2 Method\nWe sweep learning rates. " * 20]))
    _serve_ids(
        replay,
        "2505.11111,2505.22222",
        [
            atom_entry("2505.11111", title="Noise and Batches", summary="How gradient noise depends on batch size."),
            atom_entry("2505.22222", title="Missing PDF Paper", summary="A paper whose PDF cannot be fetched."),
        ],
    )
    code = main(["add", "arxiv:2505.11111", "https://arxiv.org/abs/2505.22222", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0, report
    assert [a[0] for a in report["added"]] == ["arxiv:2505.11111", "arxiv:2505.22222"]

    assert main(["show", "arxiv:2505.22222", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["extra"]["abstract_only"] is True and "pdf_error" in shown["extra"]
    assert main(["show", "2505.11111", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["extra"]["abstract_only"] is False and shown["extra"]["version"] == 1
    assert shown["authors"] == ["Ada Lovelace", "Alan Turing"] and shown["extra"]["primary_category"] == "cs.CL"
    assert shown["pages"] == 2 and shown["chunks"] > 1
    v1_chunks = shown["chunks"]

    replay.add_pdf("2505.11111v2", make_pdf(["1 Introduction\nA shorter second version."]))
    _serve_ids(replay, "2505.11111v2", [atom_entry("2505.11111", version=2, title="Noise and Batches")])
    assert main(["add", "2505.11111v2"]) == 0
    capsys.readouterr()
    assert main(["show", "2505.11111", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["extra"]["version"] == 2 and shown["chunks"] < v1_chunks
    assert main(["search", "learning rate sweep", "--json", "--mode", "bm25"]) == 0
    hits = json.loads(capsys.readouterr().out)
    assert all("sweep learning rates" not in h["text"] for h in hits)  # v1's chunks are gone


def test_bad_and_unknown_ids_are_clear_errors_and_touch_nothing(replay, bundled_library, capsys) -> None:
    _serve_ids(replay, "2505.33333", [atom_entry("2505.33333", title="Kept Paper")])
    assert main(["add", "2505.33333", "--abstract-only"]) == 0
    capsys.readouterr()
    _serve_ids(replay, "2505.44444", [])
    code = main(["add", "2505.44444", "not-an-id!"])
    out = capsys.readouterr().out
    assert code == 1
    assert "failed     not-an-id!:" in out and "2505.44444" in out
    assert main(["list", "--json"]) == 0
    assert [p["id"] for p in json.loads(capsys.readouterr().out)] == ["arxiv:2505.33333"]


def test_add_without_anything_to_add_is_a_usage_error(replay, capsys) -> None:
    assert main(["add"]) == 2
    assert "give arXiv ids" in capsys.readouterr().err
