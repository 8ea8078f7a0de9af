"""An answer as a Markdown document: the question, the cited answer, and its numbered references with
the quoted sentences, pages and links (arXiv, DOI, URL), to paste into notes or a report."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rag.index.records import Hit, PaperRecord
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


def source_hit(source: dict[str, Any]) -> Hit:
    """The passage of a source as `Answer.to_dict()` serialised it."""
    return Hit(**{k: source[k] for k in Hit.__dataclass_fields__ if k in source})


def answer_markdown(answer: dict[str, Any], paper: Callable[[str], PaperRecord | None]) -> str:
    """An answer (`Answer.to_dict()`, what the CLI and the app's session both hold) with its [n] markers, then
    "References": one numbered entry per source, its quotes below it."""
    out = [f"## {_line(answer['question'])}", "", _line(answer["answer"]), ""]
    if answer.get("refused"):
        return "\n".join(out)
    out += ["### References", ""]
    for source in answer.get("sources", []):
        hit = source_hit(source)
        record = paper(hit.paper_id)
        authors = _line(hit.authors) or (", ".join(record.authors) if record else "")
        head = f"[{source['n']}] {_line(hit.title)}"
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
        for quote in source.get("quotes", []):
            out.append(f"> “{_line(quote)}”")
        out.append("")
    return "\n".join(out)
