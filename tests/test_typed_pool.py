"""Passages that state what a question asks for join the answer's pool: unit checks on plain data, then a
real long paper (../shared) whose hardware sentence retrieval alone ranks too low to read."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.answers.asked import QUANTITY_KINDS, attribute
from rag.answers.questions import analyse
from rag.answers.typed_pool import asked_type, stating_passages
from rag.index.records import Hit
from tests.conftest import shared_path


def unit(*values: float) -> np.ndarray:
    v = np.array(values, dtype=np.float32)
    return v / np.linalg.norm(v)


def test_what_a_question_asks_for_is_tested_by_its_type() -> None:
    hardware = asked_type(analyse("What hardware were the baselines fine-tuned on?"))
    assert hardware is not None and hardware("Models are trained on two RTX A6000 GPUs.")
    assert not hardware("We release the dataset for further research.")
    wage = asked_type(analyse("What hourly wage do the annotators receive?"))
    assert wage is not None and wage("Students are paid $15/hour.") and not wage("Students work ten hours.")
    assert asked_type(analyse("Why do the authors split cases by court?")) is None  # a reason: nothing typed
    seconds = asked_type(analyse("How many seconds does fitting the hurdle model take?"))  # a duration
    assert seconds is not None and seconds("The fit takes 0.8 s on a laptop.") and not seconds("It uses 3 models.")
    span = asked_type(analyse("What time span does the survey data cover?"))  # a period: stated by its years
    assert span is not None and span("Answers were collected between May 1998 and June 2003.")
    assert not span("Answers were collected monthly from households.")


def test_a_word_beside_a_quantity_is_not_asking_for_it() -> None:
    """A word beside a quantity ("… beyond zero temperature") does not ask for one ("At what temperature …")."""
    asks_temperature = QUANTITY_KINDS[0][0]
    assert asks_temperature.search("At what temperature does order disappear?")
    assert not asks_temperature.search("Which follow-up directions beyond zero temperature are proposed?")
    assert attribute("Which follow-up directions do the authors propose?") is None  # answered by a description


def test_only_new_stating_passages_of_the_named_paper_join_most_similar_first() -> None:
    q = analyse("What hardware were the Multi-LexSum baselines trained on?")
    query = unit(1, 0, 0)
    retrieved = [Hit("ml:0", "Multi-LexSum is a dataset of case summaries.", "ml", "Multi-LexSum", score=0.4)]
    rows = [
        (retrieved[0], unit(1, 0, 0)),
        (Hit("ml:5", "We fine-tune on one CPU core overnight.", "ml", "Multi-LexSum"), unit(0, 1, 0)),
        (Hit("ml:7", "Models are trained on two RTX A6000 GPUs.", "ml", "Multi-LexSum"), unit(1, 1, 0)),
        (Hit("ml:9", "The summaries were written by law students.", "ml", "Multi-LexSum"), unit(1, 0, 0)),
    ]
    asked: list[str] = []

    def passages_of(paper_id: str):
        asked.append(paper_id)
        return rows

    added = stating_passages(q, retrieved, {"ml"}, query, passages_of, per_paper=3)
    assert [h.chunk_id for h in added] == ["ml:7", "ml:5"]  # stating ones only, most similar first
    assert all(h.score == 0.4 for h in added) and added[0].dense == pytest.approx(float(unit(1, 1, 0) @ query))
    assert asked == ["ml"]
    assert stating_passages(q, retrieved, {"ml"}, query, passages_of, per_paper=1)[0].chunk_id == "ml:7"
    assert stating_passages(q, retrieved, set(), query, passages_of, per_paper=3) == []  # no paper named
    why = analyse("Why was Multi-LexSum built?")
    assert stating_passages(why, retrieved, {"ml"}, query, passages_of, per_paper=3) == []


@pytest.fixture(scope="module")
def lexsum_library(tmp_path_factory: pytest.TempPathFactory, bundled_library):
    """The bundled corpus and the 40-page Multi-LexSum paper, one real index for this module."""
    from rag import Library, Settings
    from tests.conftest import BUNDLED

    pdf = shared_path("pdfs", "2206.10883v3.pdf")
    library = Library(
        Settings(index_dir=Path(tmp_path_factory.mktemp("lexsum-index"))), embedder=bundled_library.embedder
    )
    report = library.ingest([str(BUNDLED), str(pdf)])
    assert not report.failed
    return library


def test_the_sentence_naming_the_hardware_is_quoted_from_deep_in_the_paper(lexsum_library) -> None:
    question = "What hardware were the Multi-LexSum summarization baselines fine-tuned on?"
    hits, _ = lexsum_library.retrieve(question, k=16, filters=None, mode=None)
    assert not any("A6000" in h.text for h in hits)  # retrieval alone never reads it
    answer = lexsum_library.ask(question)
    assert not answer.refused
    assert any("two RTX A6000 GPUs" in s.text for s in answer.sentences)
    assert {src.hit.paper_id for src in answer.sources} == {"arxiv:2206.10883"}


def test_a_kind_of_value_the_named_paper_states_nowhere_is_declined(lexsum_library) -> None:
    """Every passage of the paper was checked, not only those retrieved: no temperature is stated anywhere."""
    answer = lexsum_library.ask("At what temperature were the Multi-LexSum annotation servers kept?")
    assert answer.refused and answer.decline == "no_quantity" and answer.closest


def test_an_llm_is_given_the_passage_stating_the_asked_value(lexsum_library) -> None:
    """The LLM path reads the same typed passages (replayed over loopback by the OpenAI-compatible stub)."""
    import re

    from rag import Library, Settings
    from tests.openai_stub import openai_stub

    question = "What hardware were the Multi-LexSum summarization baselines fine-tuned on?"
    with openai_stub() as (url, stub):
        lib = Library(
            Settings(index_dir=lexsum_library.settings.index_dir, llm_base_url=url), embedder=lexsum_library.embedder
        )
        stub.queue("The baselines were trained for 6 epochs on two RTX A6000 GPUs [7].")
        answer = lib.ask(question, mode="llm")
        prompt = stub.requests[0]["messages"][-1]["content"]
        prompt_numbers = re.findall(r"<<<PASSAGE-\w+ (\d+)>>>\n[^\n]*\n[^<]*A6000", prompt)
    assert prompt_numbers == ["7"]  # after the six retrieved passages, the one that states the hardware
    assert answer.sentences and answer.sentences[0].supported and "A6000" in answer.sources[0].hit.text
