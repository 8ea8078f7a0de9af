"""Paper-digest pages (the seed format): per paper a title, `Authors:`, the English abstract,
its Chinese translation, a `PDF …` note, a Chinese summary and numbered key takeaways.

Parsed into records so the page can be saved as JSONL (`data/`) or ingested directly.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ingest.models import Paper, SourceError
from ingest.sources.records import paper_from_record

_SEPARATOR = re.compile(r"^\s*(Cool Papers|点此查看论文截图)\s*$", re.M)
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*更新", re.M)
_SUMMARY = {"Summary", "摘要"}
_TAKEAWAYS = {"Key Takeaways", "关键见解", "要点"}
_LINKS = "论文及项目相关链接"
_CJK = re.compile(r"[\u4e00-\u9fff]")


def looks_like_digest(head: str) -> bool:
    return "Authors:" in head and (_LINKS in head or "Key Takeaways" in head or "Cool Papers" in head)


def _blocks(text: str) -> list[str]:
    return [b.strip() for b in re.split(r"\n\s*\n", text) if b.strip()]


def _parse_entry(chunk: str) -> dict[str, Any] | None:
    blocks = _blocks(chunk)
    author_idx = next((i for i, b in enumerate(blocks) if b.startswith("Authors:")), None)
    if author_idx is None or author_idx == 0:
        return None
    title = " ".join(blocks[author_idx - 1].split())
    authors = [a.strip() for a in blocks[author_idx][len("Authors:") :].split(",") if a.strip()]
    rest = blocks[author_idx + 1 :]
    english, chinese, pdf_note, summary, takeaways = [], [], "", "", []
    mode = "abstract"
    for block in rest:
        head = block.splitlines()[0].strip()
        if head == _LINKS:
            mode = "links"
        elif head in _SUMMARY:
            mode = "summary"
            summary = block[len(head) :].strip()
        elif head in _TAKEAWAYS:
            mode = "takeaways"
            takeaways += _numbered(block[len(head) :])
        elif mode == "abstract":
            (chinese if _CJK.search(block[:200]) and len(_CJK.findall(block)) > len(block) / 4 else english).append(
                block
            )
        elif mode == "links" and head.startswith("PDF"):
            pdf_note = block[3:].strip()
        elif mode == "summary":
            summary = (summary + "\n" + block).strip()
        elif mode == "takeaways":
            takeaways += _numbered(block)
    record: dict[str, Any] = {
        "title": title,
        "authors": authors,
        "abstract": " ".join(" ".join(english).split()),
        "abstract_zh": "\n".join(chinese),
        "summary_zh": summary,
        "takeaways_zh": takeaways,
    }
    if pdf_note:
        record["pdf_note"] = pdf_note
        pages = re.search(r"(\d+)\s*pages", pdf_note)
        if pages:
            record["pdf_pages"] = int(pages.group(1))
    return record


def _numbered(block: str) -> list[str]:
    items = re.split(r"(?m)^\s*\d+\.\s+|\s*[•▪◦]\s*", block)
    return [" ".join(i.split()) for i in items if i.strip()]


def parse_digest(text: str) -> list[dict[str, Any]]:
    """All paper records of a digest page, in page order, with `date` and `year` from its header."""
    date_match = _DATE.search(text)
    date = date_match.group(1) if date_match else ""
    body = text[date_match.end() :] if date_match else text
    records = []
    for piece in _SEPARATOR.split(body):
        if piece.strip() in {"Cool Papers", "点此查看论文截图"}:
            continue
        record = _parse_entry(piece)
        if record:
            if date:
                record["digest_date"] = date
                record["year"] = int(date[:4])
            records.append(record)
    return records


def load_digest(path: Path) -> Iterator[Paper | SourceError]:
    records = parse_digest(path.read_text(encoding="utf-8", errors="replace"))
    if not records:
        yield SourceError(str(path), "no papers found in this digest page")
    for n, record in enumerate(records, 1):
        try:
            yield paper_from_record(record, source="digest", origin=f"{path} (paper {n})")
        except SourceError as err:
            yield err


def main(argv: list[str] | None = None) -> int:
    """`python -m ingest.sources.digest_page PAGE -o out.jsonl`: save a digest page as a JSONL of abstracts."""
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("page", type=Path)
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    records = parse_digest(args.page.read_text(encoding="utf-8"))
    with args.output.open("w", encoding="utf-8") as out:
        for record in records:
            paper = paper_from_record(record, source="digest", origin=str(args.page))
            out.write(json.dumps({"id": paper.id, **record}, ensure_ascii=False) + "\n")
    print(f"{len(records)} papers → {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
