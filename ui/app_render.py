"""HTML and Markdown for the web app. Every piece of paper text is untrusted: it is escaped here (with
`ui.escape`), and nothing else in the app builds markup from it. Links are only ever built from http(s)
URLs (`safe_url`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from rag.answers.types import Answer, Source
from rag.answers.wording import language
from rag.index.records import Hit
from rag.text import page_label
from ui.app_text import framing, say, t
from ui.escape import esc, link, md_literal, one_line, quote_path, safe_url

__all__ = ["esc", "md_literal", "one_line", "quote_path", "safe_url"]  # the app renders through this module

CONTEXT_CHARS = 320  # of a neighbouring passage shown around the selected one
_ARXIV_ABS = re.compile(r"^https?://(?:export\.)?arxiv\.org/abs/", re.I)


# -- answers -------------------------------------------------------------------------------------------


def anchor(turn: int, n: int) -> str:
    return f"src-{turn}-{n}"


def answer_markdown_parts(answer: Answer, turn: int) -> list[str]:
    """The answer as Markdown, one piece per sentence (the stream), each citation a link to its source."""
    if answer.refused:
        return [md_literal(answer.text) + framing(answer.question, "refusal_note")]
    parts = []
    for sentence in answer.sentences:
        cites = "".join(_cite(turn, n) for n in sentence.citations)
        parts.append(f"{md_literal(one_line(sentence.text))} {cites}".strip())
    if not parts and answer.text:  # an answer without sentence structure: link its [n] markers in place
        parts = [_CITE_MARK.sub(lambda m: _cite(turn, int(m.group(1))), md_literal(answer.text))]
    return parts


_CITE_MARK = re.compile(r"&#91;(\d+)&#93;")


def _cite(turn: int, n: int) -> str:
    return f'<a class="cite" href="#{anchor(turn, n)}">[{n}]</a>'


def highlighted(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """The passage with each quoted span in <mark>, everything escaped."""
    out, at = [], 0
    for start, end in sorted(spans):
        start, end = max(start, at), min(end, len(text))
        if start >= end:
            continue
        out.append(esc(text[at:start]))
        out.append(f"<mark>{esc(text[start:end])}</mark>")
        at = end
    out.append(esc(text[at:]))
    return "".join(out)


def pages_label(hit: Hit) -> str:
    """The passage's pages, typeset ("pp. 5–6")."""
    return page_label(hit.page_start, hit.page_end, dash="–")


def hit_links(hit: Hit, local_pdf: str | None = None, arxiv_abs: str | None = None, lang: str = "en") -> list[str]:
    """Where to read the passage: the PDF at its page, and the arXiv abstract page when there is one."""
    links = []
    url = safe_url(hit.url)
    page = f"#page={hit.page_start}" if hit.page_start else ""
    abs_url = safe_url(arxiv_abs) or (url if url and _ARXIV_ABS.match(url) else None)
    if url and not _ARXIV_ABS.match(url):
        links.append(link(url + page, f"PDF {pages_label(hit)}".strip() if page else say("open", lang), "pdf"))
    elif local_pdf:
        links.append(link(local_pdf + page, f"PDF {pages_label(hit)}".strip(), "pdf"))
    elif abs_url and page:
        pdf = abs_url.replace("/abs/", "/pdf/", 1)
        links.append(link(pdf + page, f"PDF {pages_label(hit)}", "pdf"))
    if abs_url:
        links.append(link(abs_url, "arXiv", "arxiv"))
    return links


def passage_card(
    hit: Hit,
    *,
    n: int | None = None,
    element_id: str = "",
    quotes: Sequence[tuple[int, int]] = (),
    links: Iterable[str] = (),
    score: float | None = None,
    max_chars: int = 0,
    lang: str = "en",
) -> str:
    """One passage: number, title, authors · year · section · page, links, and the (highlighted) text."""
    meta = [esc(one_line(hit.authors, 120))] if hit.authors else []
    if hit.year:
        meta.append(esc(hit.year))
    if hit.section:
        meta.append("§ " + esc(one_line(hit.section, 80)))
    if pages_label(hit):
        meta.append(esc(pages_label(hit)))
    if hit.ocr:
        meta.append(f'<span class="ocr" title="{esc(say("ocr_title", lang))}">{esc(say("ocr_text", lang))}</span>')
    if score is not None:
        meta.append(esc(say("score", lang, score=f"{score:.3f}")))
    text = hit.text
    if max_chars and len(text) > max_chars and not quotes:
        text = text[:max_chars].rsplit(" ", 1)[0] + " …"
    number = f'<span class="src-n">[{n}]</span> ' if n is not None else ""
    ident = f' id="{esc(element_id)}"' if element_id else ""
    link_html = f'<span class="src-links">{" ".join(links)}</span>' if links else ""
    return (
        f'<article class="src"{ident}>'
        f'<header class="src-head">{number}<span class="src-title">{esc(one_line(hit.title))}</span></header>'
        f'<div class="src-meta">{" · ".join(meta)} {link_html}</div>'
        f'<blockquote class="src-text">{highlighted(text, quotes)}</blockquote>'
        f"</article>"
    )


def sources_panel(answer: Answer, turn: int, links_for) -> str:
    """The panel beside the chat: each cited passage with its quoted sentences marked, or, for a
    refusal, the closest passages so the user sees what the corpus does hold."""
    asked, lang = answer.question, language(answer.question)
    question = f'<div class="panel-q">{esc(framing(asked, "for", question=one_line(asked, 140)))}</div>'
    if answer.refused:
        if not answer.closest:
            return f'<div class="panel">{question}<p class="muted">{esc(framing(asked, "nothing_matched"))}</p></div>'
        cards = "".join(passage_card(h, links=links_for(h, lang), max_chars=700, lang=lang) for h in answer.closest)
        return f'<div class="panel"><h3>{esc(framing(asked, "closest"))}</h3>{question}{cards}</div>'
    cards = "".join(_source_card(s, turn, links_for, lang) for s in answer.sources)
    return f'<div class="panel"><h3>{esc(framing(asked, "sources"))}</h3>{question}{cards}</div>'


def _source_card(source: Source, turn: int, links_for, lang: str) -> str:
    return passage_card(
        source.hit,
        n=source.n,
        element_id=anchor(turn, source.n),
        quotes=source.quotes,
        links=links_for(source.hit, lang),
        lang=lang,
    )


EMPTY_SOURCES = f'<div class="panel empty"><h3>{t("sources")}</h3><p class="muted">{t("sources_help")}</p></div>'


# -- search, context, related --------------------------------------------------------------------------


def context_view(hits: list[Hit], focus: str, links_for) -> str:
    """A passage with its neighbours in reading order; the selected one stands out."""
    if not hits:
        return f'<p class="muted">{t("select_result")}</p>'
    focused = next((h for h in hits if h.chunk_id == focus), hits[0])
    meta = [esc(one_line(focused.authors, 120))] if focused.authors else []
    if focused.year:
        meta.append(esc(focused.year))
    links = " ".join(links_for(focused))
    blocks = []
    at = hits.index(focused)
    for i, hit in enumerate(hits):
        where = " · ".join(x for x in (one_line(hit.section, 80), pages_label(hit)) if x)
        text = hit.text  # neighbours are trimmed to the part next to the passage, which stays in view
        if i < at and len(text) > CONTEXT_CHARS:
            text = "… " + text[-CONTEXT_CHARS:].split(" ", 1)[-1]
        elif i > at and len(text) > CONTEXT_CHARS:
            text = text[:CONTEXT_CHARS].rsplit(" ", 1)[0] + " …"
        cls = "ctx focus" if i == at else "ctx"
        blocks.append(f'<div class="{cls}"><div class="ctx-where">{esc(where)}</div><p>{esc(text)}</p></div>')
    return (
        f'<div class="panel context"><header class="src-head"><span class="src-title">'
        f"{esc(one_line(focused.title))}</span></header>"
        f'<div class="src-meta">{" · ".join(meta)} <span class="src-links">{links}</span></div>'
        f"{''.join(blocks)}</div>"
    )


def search_rows(hits: list[Hit]) -> list[list[object]]:
    """Rows for the results table (plain text cells: the table renders them as text, not HTML)."""
    return [
        [
            rank,
            round(hit.score, 3),
            one_line(hit.title, 90),
            one_line(" · ".join(x for x in (hit.section, pages_label(hit)) if x), 60),
            one_line(hit.text, 220),
        ]
        for rank, hit in enumerate(hits, 1)
    ]


def related_view(title: str, results, links_for, lang: str = "en") -> str:
    """Most similar papers with a score bar and the passage pair that matched best."""
    if not results:
        return f'<p class="muted">{t("no_other_papers")}</p>'
    items = []
    for rank, r in enumerate(results, 1):
        pct = max(0.0, min(1.0, r.score)) * 100
        authors = esc(one_line(", ".join(r.paper.authors), 140))
        year = f" · {esc(r.paper.year)}" if r.paper.year else ""
        pair = ""
        if r.query_passage and r.matched_passage:
            pair = (
                '<div class="pair">'
                f'<div><div class="pair-label">'
                f"{esc(say('in_paper', lang, title=one_line(title, 60), where=_where(r.query_passage)))}</div>"
                f"<blockquote>{esc(_clip(r.query_passage.text, 420))}</blockquote></div>"
                f'<div><div class="pair-label">{esc(say("in_this_paper", lang, where=_where(r.matched_passage)))}</div>'
                f"<blockquote>{esc(_clip(r.matched_passage.text, 420))}</blockquote></div>"
                f'<div class="pair-score">'
                f"{esc(say('passage_similarity', lang, score=f'{r.matched_passage.score:.3f}'))}</div>"
                "</div>"
            )
        links = " ".join(links_for(r.matched_passage, lang)) if r.matched_passage else ""
        items.append(
            f'<article class="rel"><header><span class="rel-rank">{rank}</span>'
            f'<span class="src-title">{esc(one_line(r.paper.title))}</span>'
            f'<span class="score"><span class="bar" style="width:{pct:.0f}%"></span></span>'
            f'<span class="score-num">{r.score:.3f}</span></header>'
            f'<div class="src-meta">{authors}{year} {links}</div>{pair}</article>'
        )
    return f'<div class="panel">{"".join(items)}</div>'


def _where(hit: Hit) -> str:
    where = " · ".join(x for x in (one_line(hit.section, 50), pages_label(hit)) if x)
    return f"({where})" if where else ""


def _clip(text: str, n: int) -> str:
    flat = one_line(text)
    return flat if len(flat) <= n else flat[:n].rsplit(" ", 1)[0] + " …"


# -- library -------------------------------------------------------------------------------------------

OUTCOMES = ("added", "unchanged", "skipped", "failed")


def outcomes_view(outcomes: list[tuple[str, str, str]], lang: str = "en") -> str:
    """Per-file results of an upload: (file name, outcome, detail), the badges in `lang` (the page's language:
    one block with several phrases in it, which the page could not translate)."""
    if not outcomes:
        return ""
    rows = "".join(
        f'<li class="out out-{esc(kind)}"><span class="badge">'
        f"{esc(say(f'outcome_{kind}', lang) if kind in OUTCOMES else kind)}</span>"
        f'<span class="fname">{esc(one_line(name, 80))}</span>'
        f'<span class="detail">{esc(one_line(detail, 200))}</span></li>'
        for name, kind, detail in outcomes
    )
    return f'<ul class="outcomes">{rows}</ul>'
