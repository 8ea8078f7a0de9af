"""Table rules painted out of a page image before OCR; letters and shaded bands left as they are."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from ingest.pdf.ocr_rules import remove_rules

DPI = 300


def _page() -> Image.Image:
    image = Image.new("L", (1200, 700), 255)
    draw = ImageDraw.Draw(image)
    for y in (100, 300, 500):  # a table's horizontal rules, 2 px, one slightly tilted
        draw.line([(100, y), (1100, y + (8 if y == 300 else 0))], fill=0, width=2)
    for x in (100, 600, 1100):  # its vertical rules
        draw.line([(x, 100), (x, 500)], fill=0, width=2)
    draw.rectangle([150, 600, 1050, 640], fill=205)  # a highlighted (shaded) line of text
    draw.rectangle([300, 605, 303, 635], fill=0)  # a letter's stem inside the band: 10 pt type
    draw.rectangle([200, 150, 203, 185], fill=0)  # letters inside a cell: an "l" and a dash
    draw.rectangle([250, 180, 275, 182], fill=0)
    return image


def test_rules_go_and_letters_and_shading_stay() -> None:
    cleaned = np.asarray(remove_rules(_page(), DPI))
    assert (cleaned[99:102, 100:1100] > 200).all()  # horizontal rule gone
    assert (cleaned[300:312, 500:700] > 200).all()  # the tilted one too
    assert (cleaned[110:490, 598:603] > 200).all()  # vertical rule gone
    assert (cleaned[150:186, 200:204] < 60).all()  # the "l" is left
    assert (cleaned[180:183, 250:276] < 60).all()  # the dash is left
    assert (cleaned[605:636, 300:304] < 60).all()  # the letter in the band is left
    assert (abs(cleaned[610:630, 400:1000].astype(int) - 205) < 10).all()  # the shading is left


def test_a_page_without_rules_is_returned_as_it_is() -> None:
    image = Image.new("L", (400, 300), 255)
    ImageDraw.Draw(image).rectangle([50, 50, 53, 80], fill=0)
    assert remove_rules(image, DPI) is image


def test_a_frame_around_a_figure_is_not_a_grid() -> None:
    image = Image.new("L", (1200, 900), 255)
    draw = ImageDraw.Draw(image)
    draw.rectangle([100, 100, 1100, 400], outline=0, width=2)  # a framed figure
    draw.rectangle([100, 450, 1100, 600], outline=0, width=2)  # two boxed code cells, one under the other
    draw.rectangle([100, 610, 1100, 800], outline=0, width=2)
    assert remove_rules(image, DPI) is image
