"""Which OCR lines are set in bold, measured on the page image: tesseract reports no font weight.

Headings are told from body text by typography (ingest/pdf/structure.py): bold, or larger type. A text
layer names its fonts; a scan has only ink. Most section headings are bold at the body's size ("A.3
Evaluating ...", "I. INTRODUCTION"), so without weight a scanned paper lost its section headings and its
chunks ran across them. Bold strokes are thicker: the runs of dark pixels along each pixel row of a
line (mostly the widths of its vertical stems) are longer on average. On scans of the shared papers at
150 dpi, read at 300, headings measure 1.4-1.8 times the page's typical line and body lines 0.9-1.1;
a body line with a bold run-in word ("Serialization. Any ...") 1.16.
"""

from __future__ import annotations

import statistics
from typing import Any

import numpy as np

# A line whose mean dark run is this many times the page's typical line's is bold.
_BOLD_RATIO = 1.3
# Pixels darker than this (0 black, 255 white) are ink.
_INK_BELOW = 128
# Lines needed on a page for "typical" to mean anything.
_FEWEST_LINES = 5

Box = tuple[int, int, int, int]  # left, top, right, bottom in pixels


def mean_stroke(pixels: np.ndarray, box: Box) -> float:
    """Mean length (pixels) of the horizontal runs of ink inside `box`; 0 when it holds none."""
    left, top, right, bottom = box
    ink = pixels[max(top, 0) : bottom, max(left, 0) : right] < _INK_BELOW
    if ink.size == 0:
        return 0.0
    padded = np.pad(ink.astype(np.int8), ((0, 0), (1, 1)))
    edges = np.diff(padded, axis=1)
    runs = int((edges == 1).sum())
    return float(ink.sum()) / runs if runs else 0.0


def bold_lines(image: Any, boxes: list[Box]) -> list[bool]:
    """For each line box of a page image (greyscale PIL or array): is its type bold? All False on a page
    with too few lines to tell the typical stroke from a heading's."""
    pixels = np.asarray(image)
    strokes = [mean_stroke(pixels, box) for box in boxes]
    measured = [s for s in strokes if s > 0]
    if len(measured) < _FEWEST_LINES:
        return [False] * len(boxes)
    typical = statistics.median(measured)
    return [s >= _BOLD_RATIO * typical for s in strokes]
