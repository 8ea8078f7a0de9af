"""Fonts of TeX-made PDFs whose characters read back wrong: codes with no ToUnicode map, and maps that lie.

Why: dvips + Ghostscript embed TeX's bitmap fonts as Type3 fonts whose glyph names are only numbers
("/a28") and that carry no ToUnicode map, so a text extractor (pypdf, PDFium, pdfminer alike) can only
return the raw character code. TeX's text encodings put their ligatures and typographic punctuation at
codes below 32: "fi" is 0x1C in T1 (Cork) and 0x0C in OT1, so "significance" reads "signi\\x1ccance"
and, once control characters are dropped, "signicance". Which encoding a font uses is told by where its
codes sit: a ligature code touches a letter (it is part of a word), and English or German text without
a single ff/fi/fl is rare. So each font's letter-touching codes are counted and the encoding whose
ligature block they fall in wins; with no such evidence the text is left alone.

A font's ToUnicode map can also contradict its own glyph names (/rho mapped to "Ä"): `misread_glyphs`
then trusts the names.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Hashable, Sequence
from typing import Any

# T1 (Cork): ligatures at 0x1B-0x1F; quotes and dashes at 0x10-0x16.
_CORK_LIGATURES = {"\x1b": "ff", "\x1c": "fi", "\x1d": "fl", "\x1e": "ffi", "\x1f": "ffl"}
_CORK_PUNCTUATION = {"\x10": "\u201c", "\x11": "\u201d", "\x12": "\u201e", "\x15": "\u2013", "\x16": "\u2014"}
# OT1 (Knuth's original): ligatures at 0x0B-0x0F; a few letters at 0x19-0x1F.
_OT1_LIGATURES = {"\x0b": "ff", "\x0c": "fi", "\x0d": "fl", "\x0e": "ffi", "\x0f": "ffl"}
_OT1_LETTERS = {"\x19": "ß", "\x1a": "æ", "\x1b": "œ", "\x1c": "ø", "\x1d": "Æ", "\x1e": "Œ", "\x1f": "Ø"}

T1, OT1 = "T1", "OT1"
_IN_WORD = {T1: _CORK_LIGATURES, OT1: {**_OT1_LIGATURES, **_OT1_LETTERS}}
_ANYWHERE = {T1: _CORK_PUNCTUATION, OT1: {}}
_CONTROL = re.compile(r"[\x0b-\x1f]")


def _touches_letter(text: str, i: int) -> bool:
    return (i > 0 and text[i - 1].isalpha()) or (i + 1 < len(text) and text[i + 1].isalpha())


def _vote(text: str, i: int) -> str | None:
    """The encoding whose ligature block holds `text[i]`, when it touches a letter (is part of a word)."""
    if not _touches_letter(text, i):
        return None
    return T1 if text[i] in _CORK_LIGATURES else OT1 if text[i] in _OT1_LIGATURES else None


def ligature_votes(text: str) -> Counter[str]:
    """How many letter-touching control characters of `text` fall in each encoding's ligature block."""
    return Counter(v for m in _CONTROL.finditer(text) if (v := _vote(text, m.start())))


def encoding_of(votes: Counter[str]) -> str | None:
    """The TeX encoding the votes point to, or None when there are none (or they tie)."""
    t1, ot1 = votes[T1], votes[OT1]
    return T1 if t1 > ot1 else OT1 if ot1 > t1 else None


def decode_char(text: str, i: int, encoding: str | None) -> str:
    """`text[i]` as the letters it draws in a font of `encoding` (itself when it is not a TeX code there)."""
    ch = text[i]
    if encoding is None or not _CONTROL.match(ch):
        return ch
    if ch in _ANYWHERE[encoding]:
        return _ANYWHERE[encoding][ch]
    if ch in _IN_WORD[encoding] and _touches_letter(text, i):
        return _IN_WORD[encoding][ch]
    return ch


class FontEncodings:
    """Per-document memory of the TeX encoding each font's codes point to, learnt from the pages read so far.

    A line is given with each character's font (None: a font with a ToUnicode map, whose codes are
    trusted); a code is judged by the letters around it in the line, whatever font drew them."""

    def __init__(self) -> None:
        self._votes: dict[Hashable, Counter[str]] = {}
        self._corrections: dict[int, dict[int, str]] = {}

    def corrections(self, font: Any) -> dict[int, str]:
        """`misread_glyphs(font)`, worked out once per font of the document (pypdf caches font objects)."""
        if id(font) not in self._corrections:
            try:
                self._corrections[id(font)] = misread_glyphs(font)
            except Exception:  # a damaged map or encoding: keep what pypdf read
                self._corrections[id(font)] = {}
        return self._corrections[id(font)]

    def observe(self, text: str, fonts: Sequence[Hashable | None]) -> None:
        for match in _CONTROL.finditer(text):
            i, font = match.start(), fonts[match.start()]
            vote = _vote(text, i) if font is not None else None
            if vote:
                self._votes.setdefault(font, Counter())[vote] += 1

    def decode(self, text: str, fonts: Sequence[Hashable | None]) -> str:
        if not self._votes or not _CONTROL.search(text):
            return text
        out = list(text)
        for match in _CONTROL.finditer(text):
            i, font = match.start(), fonts[match.start()]
            votes = self._votes.get(font) if font is not None else None
            if votes:
                out[i] = decode_char(text, i, encoding_of(votes))
        return "".join(out)


def misread_glyphs(font: Any) -> dict[int, str]:
    """Corrections (a `str.translate` table) for a font whose ToUnicode map contradicts its glyph names.

    Why: some TeX-made PDFs carry a ToUnicode map that sends LMMathItalic's /rho to "Ä" and /beta to "´"
    (while its /Encoding /Differences names the glyphs right), so ρ reads as a Latin letter. A code's
    mapping is corrected only when its glyph name is a letter in the Adobe Glyph List, the map gives one
    character of another script (not just another form of it: 𝑎 for a, ϕ for φ stay), and no other code
    maps to that character."""
    from pypdf._cmap import _parse_to_unicode  # the same parse pypdf's own extraction uses
    from pypdf._codecs import adobe_glyphs

    encoding = font.get("/Encoding") if "/ToUnicode" in font else None
    encoding = encoding.get_object() if encoding is not None else None
    differences = encoding.get("/Differences") if hasattr(encoding, "get") else None
    if not differences:
        return {}
    names: dict[int, str] = {}
    code = 0
    for item in differences:
        if isinstance(item, int):
            code = int(item)
        else:
            names[code] = str(item)
            code += 1
    mapped, _ = _parse_to_unicode(font)
    told = [v for v in mapped.values() if isinstance(v, str)]
    table: dict[int, str] = {}
    for code, name in names.items():
        meant, read = adobe_glyphs.get(name, ""), mapped.get(chr(code))
        if len(meant) != 1 or not meant.isalpha() or not isinstance(read, str) or len(read) != 1:
            continue
        if _same_letter(meant, read) or told.count(read) != 1:
            continue
        table[ord(read)] = meant
    return table


def _same_letter(a: str, b: str) -> bool:
    """Equal after compatibility folding, or of the same script (the first word of their Unicode names)."""
    if unicodedata.normalize("NFKC", a) == unicodedata.normalize("NFKC", b):
        return True
    return unicodedata.name(a, "?").split()[0] == unicodedata.name(b, "?").split()[0]
