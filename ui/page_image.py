"""A PDF page as an image (pypdfium2), with highlight rectangles mapped onto it or drawn into it.

Rectangles come in PDF points, origin at the top-left of the page box PDFium draws (what
`rag.answers.highlights` produces); the page is rendered turned by its /Rotate, so each rectangle is
turned the same way before it is drawn.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ingest.pdf.glyphs import open_pdf

HIGHLIGHT_FILL = (255, 214, 0, 96)  # translucent yellow: the text stays readable under it
HIGHLIGHT_EDGE = (230, 150, 0, 255)


class PageUnavailable(Exception):
    """The page cannot be rendered: the message says why, in one line (missing file, no such page, damaged)."""


@dataclass
class RenderedPage:
    image: Any  # PIL.Image.Image (RGB)
    page: int  # 1-based
    pages: int  # how many the document has
    boxes: list[tuple[float, float, float, float]]  # the highlights in image pixels (x0, y0, x1, y1)


def render_page(
    path: Path, page: int, rects: Sequence[Sequence[float]] = (), *, dpi: float = 150, draw: bool = False
) -> RenderedPage:
    """Render 1-based `page` of the PDF at `path`; `draw` paints the highlight rectangles into the image."""
    if not path.is_file():
        raise PageUnavailable(f"{path}: the file is not there (moved or deleted?)")
    try:
        with open_pdf(path) as document:
            if not 1 <= page <= len(document):
                raise PageUnavailable(f"{path}: no page {page} (the PDF has {len(document)} pages)")
            pdf_page = document[page - 1]
            scale = dpi / 72
            image = pdf_page.render(scale=scale).to_pil().convert("RGB")
            boxes = _Mapper(pdf_page, scale).all(rects)
            pdf_page.close()
            pages = len(document)
    except OSError as err:
        raise PageUnavailable(str(err)) from None
    if draw and boxes:
        image = draw_boxes(image, boxes)
    return RenderedPage(image, page, pages, boxes)


def pixel_boxes(path: Path, page: int, rects: Sequence[Sequence[float]], *, dpi: float = 150) -> list[tuple]:
    """The rectangles in pixels of the page rendered at `dpi`, without rendering it (for overlays)."""
    with open_pdf(path) as document:
        return _Mapper(document[page - 1], dpi / 72).all(rects)


def draw_boxes(image: Any, boxes: Sequence[tuple[float, float, float, float]]) -> Any:
    """The image with each box filled translucent yellow and outlined."""
    from PIL import Image, ImageDraw

    overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
    pen = ImageDraw.Draw(overlay)
    for x0, y0, x1, y1 in boxes:
        pen.rectangle((x0 - 1, y0 - 1, x1 + 1, y1 + 1), fill=HIGHLIGHT_FILL, outline=HIGHLIGHT_EDGE, width=2)
    return Image.alpha_composite(image.convert("RGBA"), overlay).convert("RGB")


class _Mapper:
    """Page-box top-left points (what `ingest.pdf.glyphs` gives) → pixels of the rendered, rotated page."""

    def __init__(self, page: Any, scale: float) -> None:
        left, bottom, right, top = page.get_bbox()
        self.width, self.height = right - left, top - bottom
        self.rotation = page.get_rotation() % 360
        self.scale = scale

    def all(self, rects: Sequence[Sequence[float]]) -> list[tuple[float, float, float, float]]:
        return [self.to_pixels(r) for r in rects]

    def to_pixels(self, rect: Sequence[float]) -> tuple[float, float, float, float]:
        x0, top, x1, bottom = rect
        width, height = self.width, self.height
        corners = []
        for u, v in ((x0, top), (x1, bottom)):
            u, v = {90: (height - v, u), 180: (width - u, height - v), 270: (v, width - u)}.get(self.rotation, (u, v))
            corners.append((u * self.scale, v * self.scale))
        (a, b), (c, d) = corners
        return (round(min(a, c), 1), round(min(b, d), 1), round(max(a, c), 1), round(max(b, d), 1))
