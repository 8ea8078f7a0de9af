"""Table rules taken out of a page image before tesseract reads it.

A ruled table (a full grid, as LaTeX's `tabular{|c|c|}` draws) is read badly by tesseract: its layout
analysis takes the ruled cells for separate blocks and drops or merges whole rows, and reads the rules
themselves as "|" or "—". On bench/ocr.py's table page (2305.03393 p.9) it lost five of the table's
eight rows. A rule is a run of ink far longer than any letter's stroke and thin: a morphological opening
with a long line keeps the long runs, and of those only the thin ones are painted white (a shaded or
highlighted band behind text is long too, but as tall as a line of type: it stays, and its text with it).
The openings are running min/max filters (scipy.ndimage, linear in the pixels): a fraction of a second
a page, against seconds of recognition.

Only the rules of a grid are painted out: vertical rules that each cross several horizontal ones. Painting
out every long line (a frame around a figure, boxed code cells) cost answers from a scanned papermage.pdf:
without its frame, tesseract's layout analysis ran the figure's text into the body's lines.

What else is long and thin within a grid goes too (a fraction bar or an underline in a cell longer than a
quarter inch): neither is text tesseract could read.
"""

from __future__ import annotations

from typing import Any

# A horizontal run of ink this long (inches) is a rule: the widest letter stroke at a body size is ~0.1 in.
_HORIZONTAL_INCHES = 0.25
# A vertical run this long is a rule: the stem of an "l" or a bracket stays under it up to ~30 pt type.
_VERTICAL_INCHES = 0.3
# A rule is at most this thick (inches, ~2.5 pt): a band thicker than that is shading, not a rule.
_THICKEST_INCHES = 0.035
# Ink (0-255, 255 black) a pixel of the opened image needs to count as rule: low, so that the grey fringe
# a JPEG leaves beside a rule goes with it (only long straight runs survive the opening at all).
_RULE_INK = 100
# Pixels the rules are widened by before painting: the anti-aliased edge beside each.
_FRINGE = 2
# A grid: at least this many vertical rules, each crossing at least this many horizontal ones (a table of
# two columns and two rows, ruled all round); a frame around a figure is two verticals crossing two.
_GRID_COLUMNS = 3
_GRID_CROSSINGS = 3


def remove_rules(image: Any, dpi: int) -> Any:
    """`image` (greyscale PIL) with the rules of its ruled tables (grids) painted white."""
    import numpy as np
    from PIL import Image
    from scipy import ndimage

    pixels = np.asarray(image.convert("L"), dtype=np.uint8)
    ink = 255 - pixels
    thick = max(2, round(_THICKEST_INCHES * dpi))
    found = []
    for axis, inches in ((0, _VERTICAL_INCHES), (1, _HORIZONTAL_INCHES)):
        length = max(3, round(inches * dpi))
        opened = ndimage.maximum_filter1d(ndimage.minimum_filter1d(ink, length, axis=axis), length, axis=axis)
        long_runs = opened > _RULE_INK
        # across the run: what survives an opening as thick as the thickest rule is a band, not a rule
        across = 1 - axis
        band = ndimage.maximum_filter1d(ndimage.minimum_filter1d(long_runs, thick, axis=across), thick, axis=across)
        found.append(long_runs & ~band)
        if axis == 0 and not found[0].any():
            return image  # no vertical rules, no grid: horizontal rules alone (booktabs) tesseract reads past
    rules = _grid(found[0], found[1])
    if not rules.any():
        return image
    rules = ndimage.maximum_filter(rules, size=2 * _FRINGE + 1)
    cleaned = pixels.copy()
    cleaned[rules] = 255
    return Image.fromarray(cleaned)


def _grid(vertical: Any, horizontal: Any) -> Any:
    """The rules that form a table's grid: vertical rules that each cross several horizontal ones, and the
    horizontal rules they cross. A frame around a figure or a boxed code cell (two verticals, each crossing
    only its box's top and bottom) is not a grid: painting it out lets tesseract's layout analysis run the
    figure's text into the body's lines."""
    import numpy as np
    from scipy import ndimage

    touch = np.ones((2 * _FRINGE + 1, 2 * _FRINGE + 1), dtype=bool)  # a crossing drawn with a gap still meets
    v_labels, _ = ndimage.label(ndimage.binary_dilation(vertical, touch))
    h_labels, _ = ndimage.label(ndimage.binary_dilation(horizontal, touch))
    both = (v_labels > 0) & (h_labels > 0)
    pairs = np.unique(np.stack([v_labels[both], h_labels[both]], axis=1), axis=0) if both.any() else np.zeros((0, 2))
    v_ids, crossings = np.unique(pairs[:, 0], return_counts=True) if len(pairs) else (np.zeros(0), np.zeros(0))
    columns = v_ids[crossings >= _GRID_CROSSINGS]
    if len(columns) < _GRID_COLUMNS:
        return np.zeros(vertical.shape, dtype=bool)
    rows = np.unique(pairs[np.isin(pairs[:, 0], columns), 1])
    return (np.isin(v_labels, columns) & vertical) | (np.isin(h_labels, rows) & horizontal)
