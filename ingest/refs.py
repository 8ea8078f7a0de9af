"""What a reference typed by a user names: an arXiv paper, or a file, folder or PDF URL (both UIs route
through this, so `papers add X` and the app's "Add" box agree)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.arxiv_ids import looks_like_arxiv_id


@dataclass
class Refs:
    arxiv_ids: list[str] = field(default_factory=list)  # parse as arXiv ids (bare, arXiv:, abs/pdf URLs)
    files: list[str] = field(default_factory=list)  # existing paths, and http(s) URLs outside arxiv.org
    other: list[str] = field(default_factory=list)  # neither: a bad id, or words of a search


def split_refs(refs: Iterable[str]) -> Refs:
    out = Refs()
    for ref in refs:
        if Path(ref).exists() or (ref.startswith("http") and "arxiv.org" not in ref):
            out.files.append(ref)
        elif looks_like_arxiv_id(ref):
            out.arxiv_ids.append(ref)
        else:
            out.other.append(ref)
    return out
