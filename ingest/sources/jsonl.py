"""JSONL of abstracts: one JSON object per line with `title`, `abstract` and optional fields."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ingest.models import Paper, SourceError
from ingest.sources.records import paper_from_record


def load_jsonl(path: Path) -> Iterator[Paper | SourceError]:
    """Yield a Paper per good line and a SourceError (with the line number) per bad one."""
    with path.open(encoding="utf-8", errors="replace") as handle:
        for lineno, line in enumerate(handle, 1):
            if not line.strip():
                continue
            origin = f"{path}:{lineno}"
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                yield SourceError(origin, f"malformed JSON ({exc.msg})")
                continue
            if not isinstance(record, dict):
                yield SourceError(origin, "expected a JSON object per line")
                continue
            try:
                yield paper_from_record(record, source="jsonl", origin=origin)
            except SourceError as err:
                yield err
