"""Parse the many ways people write an arXiv identifier into (id, version).

Kept apart from the fetcher so the CLI can recognise an arXiv id without importing the network code.
"""

from __future__ import annotations

import re

from ingest.models import SourceError

# New style (April 2007 on): YYMM.NNNN (to 2014) or YYMM.NNNNN (2015 on). The digit count is left to
# arXiv to judge (it answers "not found"); the month is checked here because no id ever has month 13.
_NEW = r"(?P<new>\d{2}(?:0[1-9]|1[0-2])\.\d{4,5})"
# Old style: archive(.SUBJECT-CLASS)/YYMMNNN, e.g. astro-ph/0601001, math.GT/0309136.
_OLD = r"(?P<old>[a-z]+(?:-[a-z]+)?(?:\.[A-Z]{2})?/\d{2}(?:0[1-9]|1[0-2])\d{3})"
_ID = re.compile(rf"(?:{_NEW}|{_OLD})(?:v(?P<version>[1-9]\d*))?")

_URL = re.compile(
    r"^(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html|format)/(?P<rest>[^?#]+)",
    re.IGNORECASE,
)


def parse_arxiv_id(text: str) -> tuple[str, int | None]:
    """Return (id without version, version number or None) for any usual spelling of an arXiv id.

    Accepts bare ids, an `arXiv:` prefix, and abs/pdf/html URLs (with or without `.pdf`).
    Raises `SourceError` naming the input when it is not an arXiv id.
    """
    raw = text
    s = text.strip()
    match = _URL.match(s)
    if match:
        s = match.group("rest").rstrip("/")
        if s.lower().endswith(".pdf"):
            s = s[:-4]
    elif s[:6].lower() == "arxiv:":
        s = s[6:].strip()
    found = _ID.fullmatch(s)
    if not found:
        raise SourceError(
            raw or repr(raw),
            "not an arXiv id (expected e.g. 2505.16022, arXiv:2505.16022v2 or hep-th/9901001)",
        )
    version = found.group("version")
    return found.group("new") or found.group("old"), int(version) if version else None


def looks_like_arxiv_id(text: str) -> bool:
    """True when `text` parses as an arXiv id (for routing CLI inputs)."""
    try:
        parse_arxiv_id(text)
    except SourceError:
        return False
    return True


def versioned(arxiv_id: str, version: int | None) -> str:
    """`2505.16022` + 2 -> `2505.16022v2`; no version -> the bare id (arXiv then serves the latest)."""
    return f"{arxiv_id}v{version}" if version else arxiv_id
