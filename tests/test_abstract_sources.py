"""JSONL and BibTeX abstract sources: good records become papers, bad lines are reported by number."""

from __future__ import annotations

import json

from ingest.models import Paper, SourceError
from ingest.sources import detect_format, expand_inputs, load_input


def test_jsonl_good_lines_load_and_bad_lines_are_reported_with_line_numbers(tmp_path) -> None:
    path = tmp_path / "abstracts.jsonl"
    lines = [
        json.dumps(
            {
                "id": "p1",
                "title": "Sparse Attention",
                "abstract": "We sparsify attention heads.",
                "authors": ["A. One", "B. Two"],
                "year": 2021,
                "url": "https://example.org/p1",
            }
        ),
        "{not json",
        json.dumps({"title": "No Abstract Here"}),
        "",
        json.dumps(["a", "list"]),
        json.dumps(
            {
                "title": "Graph Routing",
                "abstract": "Routing on graphs.",
                "authors": "C. Three, D. Four",
                "venue": "NeurIPS",
            }
        ),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = list(load_input(str(path)))
    papers = [r for r in results if isinstance(r, Paper)]
    errors = [r for r in results if isinstance(r, SourceError)]
    assert [p.title for p in papers] == ["Sparse Attention", "Graph Routing"]
    assert papers[0].id == "p1" and papers[0].authors == ["A. One", "B. Two"] and papers[0].year == 2021
    assert papers[0].url == "https://example.org/p1"
    assert papers[1].authors == ["C. Three", "D. Four"] and papers[1].extra == {"venue": "NeurIPS"}
    assert papers[1].id.startswith("graph-routing-")
    assert [e.source for e in errors] == [f"{path}:2", f"{path}:3", f"{path}:5"]
    assert "malformed JSON" in errors[0].reason and "no abstract" in errors[1].reason


BIB = r"""
@article{smith2020deep,
  title = {Deep {Learning} for Tables},
  author = {Smith, Jane and Doe, John},
  year = {2020},
  journal = {Journal of Tables},
  doi = {10.1000/xyz123},
  abstract = {We learn tables with deep networks. Accuracy improves by 5 points.}
}

@inproceedings{noabs2019,
  title = {A Paper Without Abstract},
  author = {Nobody, Al},
  year = {2019}
}

@misc{lee2023arxiv,
  title = {Retrieval for Everyone},
  author = {Lee, Kim},
  year = {2023},
  eprint = {2301.00001},
  archivePrefix = {arXiv},
  abstract = {Retrieval made simple.}
}
"""


def test_bibtex_entries_with_abstracts_become_papers(tmp_path) -> None:
    path = tmp_path / "refs.bib"
    path.write_text(BIB, encoding="utf-8")
    assert detect_format(path) == "bibtex"
    results = list(load_input(str(path)))
    papers = [r for r in results if isinstance(r, Paper)]
    errors = [r for r in results if isinstance(r, SourceError)]
    assert [p.title for p in papers] == ["Deep Learning for Tables", "Retrieval for Everyone"]
    deep = papers[0]
    assert deep.id == "smith2020deep" and deep.authors == ["Jane Smith", "John Doe"] and deep.year == 2020
    assert deep.url == "https://doi.org/10.1000/xyz123" and deep.extra["venue"] == "Journal of Tables"
    assert papers[1].id == "arxiv:2301.00001"
    assert len(errors) == 1 and "no abstract" in errors[0].reason and "noabs2019" in errors[0].source


def test_folder_expansion_takes_known_formats_and_reports_missing_inputs(tmp_path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.jsonl").write_text("{}\n", encoding="utf-8")
    (tmp_path / "b.bib").write_text(BIB, encoding="utf-8")
    (tmp_path / "notes.md").write_text("# not a paper\n", encoding="utf-8")
    expanded = list(expand_inputs([str(tmp_path), str(tmp_path / "missing.pdf")]))
    assert expanded[:2] == [str(tmp_path / "b.bib"), str(tmp_path / "sub" / "a.jsonl")]
    assert isinstance(expanded[2], SourceError) and "no such file" in expanded[2].reason


def test_list_file_expands_to_its_entries(tmp_path) -> None:
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    listing = tmp_path / "inputs.txt"
    listing.write_text("# my inputs\nrefs.bib\n", encoding="utf-8")
    assert list(expand_inputs([str(listing)])) == [str(tmp_path / "refs.bib")]


def test_an_input_named_twice_is_loaded_once(tmp_path) -> None:
    bib = tmp_path / "refs.bib"
    bib.write_text(BIB, encoding="utf-8")
    assert list(expand_inputs([str(tmp_path), str(bib), str(tmp_path / "." / "refs.bib")])) == [str(bib)]
