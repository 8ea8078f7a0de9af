"""Remove a document's table of contents (and lists of figures/tables) before its lines become text.

Why: a contents page shares every section's words, so retrieval ranks it high for any question about the
paper, and it crowds real passages out of the few an answer reads or shows ("Closest passages" that are
"3.1 Exercise 1 . . . . . . 4"). It holds nothing a quote could use: each entry is a heading found again
where its section starts.
"""

from __future__ import annotations

import re

from ingest.pdf.extract import Line

_CONTENTS_NAMES = {
    "contents",
    "table of contents",
    "inhaltsverzeichnis",
    "list of figures",
    "list of tables",
}
# "3.1 Training . . . . . . . 12", "Introduction ........ 1": a title, dot leaders, a page number.
_LEADER_ENTRY = re.compile(r"[^\W\d_]{3,}.*?(?:\s?\.){4,}\s*\d{1,4}$")
# A wrapped entry's leaders on a line of their own (". . . . . . 12").
_LEADER_ONLY = re.compile(r"^(?:\.\s?){4,}\s*\d{1,4}$")
# Inside a contents region only: short leaders ("Pool size . . . 10"), and entries set without leaders
# ("2 Changes for affy in BioC 1.8 release 3"), but not a chapter's heading that follows them ("Chapter 1").
_SHORT_LEADER_ENTRY = re.compile(r"[^\W\d_]{3,}.*?(?:\s?\.){3,}\s*\d{1,4}$")
# Numbered, or a few words ("References 14"): a sentence's line that ends in a number is neither.
_PLAIN_ENTRY = re.compile(
    r"^(?:(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?|[A-H](?:\.\d{1,2})*|[IVX]{1,5}\.)\s+[A-Z](?:[^.!]|\.(?=\S)){0,110}"
    r"|(?!(?i:chapter|part|kapitel|teil)\s)[A-Z][^\s.!]*(?:\s[^\s.!]+){0,3})\s\d{1,4}$"
)


def is_leader_entry(text: str) -> bool:
    """A contents entry with dot leaders: it is one wherever it stands (a contents page without a heading,
    its second page)."""
    text = text.strip()
    return bool(_LEADER_ENTRY.search(text) or _LEADER_ONLY.match(text))


def _entry(text: str) -> bool:
    text = text.strip()
    return is_leader_entry(text) or bool(_SHORT_LEADER_ENTRY.search(text) or _PLAIN_ENTRY.match(text))


def drop_contents(pages: list[list[Line]]) -> list[list[Line]]:
    """Drop contents entries: leader lines anywhere, and after a "Contents" heading the entries set without
    leaders as well, with the lines of an entry that wraps. The region ends at the first line that is no
    entry and is not followed by one: the text a contents page runs on into is kept. The heading goes too
    when entries followed it."""
    out: list[list[Line]] = []
    in_region = wrapped = False  # in a contents region; the last entry dropped wraps ("beta diver-")
    for lines in pages:
        kept: list[Line] = []
        heading: Line | None = None  # a "Contents" heading waiting for its first entry
        for i, line in enumerate(lines):
            text = line.text.strip()
            if text.rstrip(".:").lower() in _CONTENTS_NAMES:
                if heading is not None:
                    kept.append(heading)
                heading, in_region = line, True
                continue
            if is_leader_entry(text):
                heading, in_region = None, True
                continue
            if in_region:
                following = lines[i + 1].text if i + 1 < len(lines) else ""
                if (
                    wrapped
                    or _entry(text)
                    or text.endswith("-")
                    or (following and is_leader_entry(following) and not text.endswith("."))
                ):
                    heading, wrapped = None, text.endswith("-")
                    continue
                in_region = False
            if heading is not None:
                kept.append(heading)
                heading = None
            kept.append(line)
        if heading is not None:
            kept.append(heading)
        out.append(kept)
    return out
