"""Section headings a reader sees: an abstract label set small, numbered headings that start with a
package's name in lower case; a bold numbered sentence is still no heading."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.heldout import pdf_paths, present
from ingest.sources.pdf import load_pdf
from tests.pdf_factory import SECTIONED_HEADINGS, make_run_in_headings_pdf, make_sectioned_pdf


def test_small_abstract_label_and_lower_case_names_start_sections(tmp_path: Path) -> None:
    path = tmp_path / "sections.pdf"
    make_sectioned_pdf(path)
    paper = load_pdf(path)
    titles = [s.title for s in paper.sections]
    assert titles[:2] == ["", "Abstract"]
    assert titles[2:] == SECTIONED_HEADINGS
    abstract = next(s for s in paper.sections if s.kind == "abstract")
    assert "The abstract sentence 2 says" in paper.text[abstract.start : abstract.end]
    assert paper.abstract.startswith("The abstract sentence 0 says what the package offers")
    assert "3. we then fit the model to the data" in paper.text


@pytest.mark.skipif(not present(), reason="held-out PDFs not fetched (make heldout-pdfs); CI does not fetch them")
def test_heldout_vignettes_sections() -> None:
    papers = {p.name: load_pdf(p) for p in pdf_paths() if p.name in ("zoo.pdf", "countreg.pdf")}
    zoo = [s.title for s in papers["zoo.pdf"].sections]
    for number in ("3.1. strucchange:", "3.2. tseries:", "3.3. timeDate/fCalendar:", "3.4. The classes"):
        assert any(title.startswith(number) for title in zoo), number
    countreg = papers["countreg.pdf"]
    assert [s.kind for s in countreg.sections[:2]] == ["body", "abstract"]
    assert countreg.abstract.startswith("The classical Poisson, geometric and negative binomial")


def test_a_run_in_heading_is_not_part_of_the_sentence_it_opens(tmp_path: Path) -> None:
    # "Reward Design We conduct RL training …": the bold words opening a paragraph are its heading, a
    # paragraph of their own, so no quoted sentence starts with them; so is a subheading on a line of its own
    path = tmp_path / "run_in.pdf"
    make_run_in_headings_pdf(path)
    text = load_pdf(path).text
    assert "Reward Design\n\nWe conduct RL training on the query set" in text
    assert "Datasets.\n\nWe use two benchmarks" in text
    assert "PaSa outperforms every baseline" in text  # a bold word the sentence goes on from
    assert "Protocols and Utilities for Documents.\n\nTo instantiate a document, the library" in text
    assert "Hand opening with a rotated forearm position\n\nWhen applying the identified" in text
    assert "judges whether it meets the query, and Recall is what the crawler" in text  # inside a paragraph
