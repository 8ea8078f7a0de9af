"""Plain-text rendering for the terminal. Paper text is untrusted: control and escape characters
are neutralised so a PDF cannot move the cursor, recolour the terminal or fake output."""

from __future__ import annotations

import json
import re
import textwrap
from dataclasses import asdict, is_dataclass
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def safe(text: str) -> str:
    """Untrusted text made inert for a terminal: control, escape and bidi-override chars removed."""
    return _CONTROL.sub(" ", text or "")


def one_line(text: str, width: int = 0) -> str:
    flat = " ".join(safe(text).split())
    return flat if not width or len(flat) <= width else flat[: width - 1] + "…"


def wrap(text: str, indent: str = "    ", width: int = 100) -> str:
    return textwrap.fill(one_line(text), width=width, initial_indent=indent, subsequent_indent=indent)


def to_json(value: Any) -> str:
    def default(obj: Any) -> Any:
        if is_dataclass(obj):
            return asdict(obj)
        if hasattr(obj, "to_dict"):
            return obj.to_dict()
        return str(obj)

    text = json.dumps(value, ensure_ascii=False, indent=2, default=default)
    # Readable non-ASCII (Chinese titles) stays; control and bidi characters, which JSON only allows
    # inside strings, are written as \uXXXX escapes so a terminal never acts on them.
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
