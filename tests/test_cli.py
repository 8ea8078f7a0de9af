"""The `papers` CLI: real commands on a real index; errors are one line with a non-zero exit code."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BUNDLED, REPO
from ui.cli import main


@pytest.fixture
def index_args(bundled_library) -> list[str]:
    return ["--index", str(bundled_library.settings.index_dir)]


def test_search_prints_ranked_passages_with_provenance(index_args, capsys) -> None:
    assert main(["search", "panoramic images question answering", "-k", "3", *index_args]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith(" 1. Towards Omnidirectional Reasoning with 360-R1")
    assert "§ Abstract" in out and "score" in out


def test_ask_json_exposes_sentences_citations_and_sources(index_args, capsys) -> None:
    assert main(["ask", "How much better is NOVER than distilled models of the same size?", "--json", *index_args]) == 0
    data = json.loads(capsys.readouterr().out)
    assert not data["refused"] and data["sources"][0]["title"].startswith("NOVER")
    assert "7.7 percent" in data["answer"]
    cited = {n for s in data["sentences"] for n in s["citations"]}
    assert cited == {s["n"] for s in data["sources"]}
    for source in data["sources"]:
        assert all(q in source["text"] for q in source["quotes"])


def test_list_and_show(index_args, capsys) -> None:
    assert main(["list", "--json", *index_args]) == 0
    papers = json.loads(capsys.readouterr().out)
    assert len(papers) == 19 and all(p["chunks"] > 0 for p in papers)
    assert main(["show", "StepSearch", *index_args]) == 0
    out = capsys.readouterr().out
    assert "Ziliang Wang" in out and "Abstract" in out and "chunks" in out


def test_unknown_format_is_a_clear_error_and_nonzero_exit(tmp_path, capsys) -> None:
    notes = tmp_path / "notes.md"
    notes.write_text("# notes\nnothing to see\n", encoding="utf-8")
    code = main(["ingest", str(notes), "--index", str(tmp_path / "idx")])
    out = capsys.readouterr().out
    assert code == 1
    assert f"failed     {notes}: unknown format" in out


def test_model_mismatch_and_empty_index_exit_nonzero_with_one_line(index_args, tmp_path, capsys) -> None:
    code = main(["search", "x", *index_args, "--embed-model", "another-model"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "built with embedding model 'all-MiniLM-L6-v2'" in err
    code = main(["ask", "anything", "--index", str(tmp_path / "nowhere")])
    err = capsys.readouterr().err
    assert code == 2 and "no index at" in err and err.count("\n") == 1


def test_empty_query_is_a_clear_error(index_args, capsys) -> None:
    assert main(["search", "  \x00 ", *index_args]) == 2
    assert "query is empty" in capsys.readouterr().err


def test_console_script_runs_end_to_end(tmp_path) -> None:
    """The installed entry point, as a user runs it (a separate process, real exit codes)."""
    exe = Path(sys.executable).parent / "papers"
    if not exe.exists():
        pytest.skip("the `papers` console script is not installed in this environment")
    env = {**os.environ, "PAPERS_INDEX_DIR": str(tmp_path / "idx")}
    done = subprocess.run([str(exe), "ingest", str(BUNDLED)], env=env, capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert "19 added" in done.stdout
    done = subprocess.run([str(exe), "stats", "--json"], env=env, capture_output=True, text=True)
    assert done.returncode == 0 and json.loads(done.stdout)["papers"] == 19
    done = subprocess.run([str(exe), "remove", "no such paper at all"], env=env, capture_output=True, text=True)
    assert done.returncode == 2 and "no paper matching" in done.stderr and "Traceback" not in done.stderr
