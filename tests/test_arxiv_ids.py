"""Every usual spelling of an arXiv id parses to (id, version); anything else is a SourceError naming it."""

import pytest

from ingest.arxiv_ids import looks_like_arxiv_id, parse_arxiv_id, versioned
from ingest.models import SourceError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2505.16022", ("2505.16022", None)),
        ("2505.15966v2", ("2505.15966", 2)),
        ("arxiv:2505.16022", ("2505.16022", None)),
        ("arXiv:2505.16022v1", ("2505.16022", 1)),
        ("  ARXIV: 2505.16022 ", ("2505.16022", None)),
        ("https://arxiv.org/abs/2505.14625", ("2505.14625", None)),
        ("http://arxiv.org/abs/2505.14625v3/", ("2505.14625", 3)),
        ("https://arxiv.org/pdf/2505.14625v1", ("2505.14625", 1)),
        ("https://arxiv.org/pdf/2505.14625v1.pdf", ("2505.14625", 1)),
        ("https://export.arxiv.org/abs/2505.14625?context=cs", ("2505.14625", None)),
        ("arxiv.org/html/2505.14625v2", ("2505.14625", 2)),
        ("1111.2011", ("1111.2011", None)),  # 2007-2014 ids have four digits
        ("astro-ph/0601001", ("astro-ph/0601001", None)),
        ("hep-th/9901001v2", ("hep-th/9901001", 2)),
        ("math.GT/0309136", ("math.GT/0309136", None)),
        ("https://arxiv.org/abs/astro-ph/0601001v1", ("astro-ph/0601001", 1)),
        ("arXiv:hep-th/9901001", ("hep-th/9901001", None)),
    ],
)
def test_parses_every_usual_form(text: str, expected: tuple[str, int | None]) -> None:
    assert parse_arxiv_id(text) == expected
    assert looks_like_arxiv_id(text)


@pytest.mark.parametrize(
    "text",
    [
        "abc",
        "",
        "arxiv:",
        "2505.160",
        "2513.16022",
        "2505.16022v0",
        "2505.16022v",
        "astro-ph/06010",
        "https://example.org/abs/2505.16022",
        "https://arxiv.org/list/cs.CL",
        "2505.16022 extra",
        "0000.0000",
    ],
)
def test_malformed_ids_raise_a_one_line_error_naming_the_input(text: str) -> None:
    with pytest.raises(SourceError) as info:
        parse_arxiv_id(text)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith((text or repr(text)) + ": not an arXiv id")
    assert not looks_like_arxiv_id(text)


def test_versioned_round_trips() -> None:
    assert versioned("2505.16022", 2) == "2505.16022v2"
    assert versioned("hep-th/9901001", None) == "hep-th/9901001"
    assert parse_arxiv_id(versioned("hep-th/9901001", 4)) == ("hep-th/9901001", 4)
