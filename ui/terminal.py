"""Plain-text rendering for the terminal. Paper text is untrusted: control and escape characters are
neutralised (`ui.escape`) so a PDF cannot move the cursor, recolour the terminal or fake output."""

from __future__ import annotations

import json
import textwrap
from typing import Any

from ui.escape import CONTROL, one_line
from ui.payloads import json_default


def wrap(text: str, indent: str = "    ", width: int = 100) -> str:
    return textwrap.fill(one_line(text), width=width, initial_indent=indent, subsequent_indent=indent)


def to_json(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2, default=json_default)
    # Readable non-ASCII (Chinese titles) stays; control and bidi characters, which JSON only allows
    # inside strings, are written as \uXXXX escapes so a terminal never acts on them.
    return CONTROL.sub(lambda m: f"\\u{ord(m.group(0)):04x}", text)
