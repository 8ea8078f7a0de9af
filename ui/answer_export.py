"""An answer as a Markdown document: the question, the cited answer, and its numbered references with
the quoted sentences, pages and links (arXiv, DOI, URL), to paste into notes or a report."""

from __future__ import annotations

from collections.abc import Callable

from rag.answers.types import Answer
from rag.index.records import PaperRecord
from ui.bibliography import arxiv_id


def _line(text: str) -> str:
    return " ".join(str(text).split())


def _links(record: PaperRecord | None, url: str) -> list[str]:
    links: list[str] = []
    if record is not None:
        ident = arxiv_id(record)
        if ident:
            links.append(f"[arXiv:{ident}](https://arxiv.org/abs/{ident})")
        doi = str(record.extra.get("doi") or "").strip()
        if doi:
            links.append(f"[doi:{doi}](https://doi.org/{doi})")
    if url.startswith(("http://", "https://")) and not any(url in link for link in links):
        links.append(f"<{url}>")
    return links


def answer_markdown(answer: Answer, paper: Callable[[str], PaperRecord | None]) -> str:
    """The answer with [n] markers kept, then "References": one numbered entry per source."""
    out = [f"## {_line(answer.question)}", "", _line(answer.text), ""]
    if answer.refused:
        return "\n".join(out)
    out += ["### References", ""]
    for source in answer.sources:
        hit = source.hit
        record = paper(hit.paper_id)
        authors = _line(hit.authors) or (", ".join(record.authors) if record else "")
        head = f"[{source.n}] {_line(hit.title)}"
        if authors:
            head += f" — {authors}"
        if hit.year:
            head += f" ({hit.year})"
        where = hit.location
        if where:
            head += f". {where}"
        links = _links(record, hit.url)
        if links:
            head += ". " + " · ".join(links)
        out.append(head)
        for a, b in source.quotes:
            out.append(f"> “{_line(hit.text[a:b])}”")
        out.append("")
    return "\n".join(out)
