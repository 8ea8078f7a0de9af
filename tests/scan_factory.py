"""Make a scan-like copy of a born-digital PDF: each page rendered to a greyscale image at scanner
resolution, tilted slightly (a page never lies straight on the glass), JPEG-compressed and wrapped as an
image-only PDF. The original's text layer is then the ground truth for what OCR must read back.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


def make_scanned_copy(
    source: Path,
    target: Path,
    *,
    pages: Sequence[int] | None = None,
    dpi: int = 150,
    tilt: float = 0.7,
    turn: dict[int, int] | None = None,
    quality: int = 75,
) -> list[int]:
    """Write `target`: the 0-based `pages` of `source` (all by default) as scanned images. `turn` maps a
    page index to a quarter turn (90, 180, 270 degrees clockwise): a page fed sideways or upside down.
    Returns the page indexes written, in order."""
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(str(source))
    try:
        indexes = list(pages) if pages is not None else list(range(len(document)))
        images = []
        for k, index in enumerate(indexes):
            page = document[index]
            image = page.render(scale=dpi / 72.0, grayscale=True).to_pil().convert("L")
            page.close()
            angle = tilt if k % 2 == 0 else -tilt  # alternate the tilt as a feeder does
            image = image.rotate(angle, expand=False, fillcolor=255, resample=3)
            quarter = (turn or {}).get(index, 0)
            if quarter:
                image = image.rotate(-quarter, expand=True)
            images.append(image)
    finally:
        document.close()
    first, *rest = images
    first.save(target, "PDF", resolution=float(dpi), save_all=True, append_images=rest, quality=quality)
    return indexes
