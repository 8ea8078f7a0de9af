"""Table rules taken out of a page image before tesseract reads it.

A ruled table (a full grid, as LaTeX's `tabular{|c|c|}` draws) is read badly by tesseract: its layout
analysis takes the ruled cells for separate blocks and drops or merges whole rows, and reads the rules
themselves as "|" or "—". On bench/ocr.py's table page (2305.03393 p.9) it lost five of the table's
eight rows. A rule is a run of ink far longer than any letter's stroke and thin: a morphological opening
with a long line keeps the long runs, and of those only the thin ones are painted white (a shaded or
highlighted band behind text is long too, but as tall as a line of type: it stays, and its text with it).
The openings are running min/max filters (scipy.ndimage, linear in the pixels): a fraction of a second
a page, against seconds of recognition.

Only a page with vertical rules (a grid) is changed. Known cost: bench/ocr.py --answers gives the same
outcome on 20 of 25 dev questions with rules painted out (19 when every page was changed), 23 with
them kept (`OcrOptions(remove_rules=False)`): some papermage.pdf pages read worse; not yet found why.

What else is long and thin goes too: a fraction bar or an underline longer than a quarter inch, a frame
around a figure. Neither is text tesseract could read.
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


def remove_rules(image: Any, dpi: int) -> Any:
    """`image` (greyscale PIL) with its long, thin, straight horizontal and vertical lines painted white."""
    import numpy as np
    from PIL import Image
    from scipy import ndimage

    pixels = np.asarray(image.convert("L"), dtype=np.uint8)
    ink = 255 - pixels
    thick = max(2, round(_THICKEST_INCHES * dpi))
    rules = np.zeros(ink.shape, dtype=bool)
    for axis, inches in ((0, _VERTICAL_INCHES), (1, _HORIZONTAL_INCHES)):
        length = max(3, round(inches * dpi))
        opened = ndimage.maximum_filter1d(ndimage.minimum_filter1d(ink, length, axis=axis), length, axis=axis)
        long_runs = opened > _RULE_INK
        # across the run: what survives an opening as thick as the thickest rule is a band, not a rule
        across = 1 - axis
        band = ndimage.maximum_filter1d(ndimage.minimum_filter1d(long_runs, thick, axis=across), thick, axis=across)
        rules |= long_runs & ~band
        if axis == 0 and not rules.any():
            return image  # no vertical rules, no grid: horizontal rules alone (booktabs) tesseract reads past
    if not rules.any():
        return image
    rules = ndimage.maximum_filter(rules, size=2 * _FRINGE + 1)
    cleaned = pixels.copy()
    cleaned[rules] = 255
    return Image.fromarray(cleaned)
