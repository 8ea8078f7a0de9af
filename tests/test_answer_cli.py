"""`papers ask --json` (support per sentence) and `papers chat` reading questions from a pipe."""

from __future__ import annotations

import io
import json

import pytest

from ui.cli import main


def test_ask_json_has_support_scores(bundled_library, capsys: pytest.CaptureFixture[str]) -> None:
    index = str(bundled_library.settings.index_dir)
    assert main(["ask", "What accuracy does GUI-G1-3B reach on ScreenSpot?", "--index", index, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert not data["refused"] and data["sentences"]
    assert all(0.0 <= s["support"] <= 1.0 and s["supported"] and s["citations"] for s in data["sentences"])


def test_chat_reads_a_pipe_and_resolves_follow_ups(
    bundled_library, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    questions = "What is TinyV and what problem does it address?\nWhich dataset did they study?\n\nignored\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(questions))
    index = str(bundled_library.settings.index_dir)
    assert main(["chat", "--index", index, "--json"]) == 0
    turns = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]
    assert len(turns) == 2  # the blank line ends the session
    assert turns[1]["query"] != turns[1]["question"]
    assert turns[1]["sources"][0]["paper_id"].startswith("tinyv")
    monkeypatch.setattr("sys.stdin", io.StringIO("How does NOVER avoid an external verifier?\nexit\n"))
    assert main(["chat", "--index", index]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Q: How does NOVER avoid an external verifier?") and "Sources:\n[1]" in out


def test_ask_llm_without_endpoint_is_a_clear_error(bundled_library, capsys: pytest.CaptureFixture[str]) -> None:
    index = str(bundled_library.settings.index_dir)
    assert main(["ask", "What is TinyV?", "--index", index, "--llm"]) == 2
    assert "PAPERS_LLM_BASE_URL" in capsys.readouterr().err
