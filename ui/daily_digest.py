"""The daily digest (`papers digest`) as Markdown, or as one self-contained HTML page (inline CSS, no
scripts, works offline).

Titles, authors, abstracts and sentences come from feeds and PDFs, so all of it is untrusted: in HTML
it is escaped, in Markdown its markup characters are backslash-escaped (a title like `<script>` is
shown, never run), and links are kept only when they are http(s) URLs.
"""

from __future__ import annotations

from rag.features.daily_digest import Digest, DigestEntry, Takeaway
from ui.escape import esc, md_escaped, one_line, safe_url

# The page's own words (`papers digest --lang`); titles, abstracts and takeaways stay in the paper's words.
TEXT: dict[str, dict[str, str]] = {
    "en": {
        "heading": "Paper digest — {scope}",
        "scope_indexed": "indexed papers",
        "scope_query": "query: {query}",
        "papers": "{n} papers",
        "paper": "1 paper",
        "submitted": "submitted {day}",
        "generated": "generated {when}",
        "method": "Key takeaways are sentences quoted verbatim from each paper (abstract and body, not references), "
        "chosen for contribution and result cues, centrality and variety, and cited to section and page.",
        "contents": "Contents",
        "authors": "Authors:",
        "links": "Links:",
        "abstract": "Abstract.",
        "takeaways": "Key takeaways",
        "no_takeaway": "No sentence of this paper could be quoted as a takeaway.",
        "not_included": "Not included",
        "pages": "{n} pages",
        "page": "1 page",
        "comment": "comment: {comment}",
        "id": "id {id}",
    },
    "zh": {
        "heading": "论文速递 — {scope}",
        "scope_indexed": "论文库中的论文",
        "scope_query": "检索：{query}",
        "papers": "{n} 篇论文",
        "paper": "1 篇论文",
        "submitted": "提交于 {day}",
        "generated": "生成于 {when}",
        "method": "要点均为逐字引用自各论文（摘要与正文，不含参考文献）的句子，依据贡献与结果线索、中心性和多样性挑选，"
        "并注明所在章节与页码。",
        "contents": "目录",
        "authors": "作者：",
        "links": "链接：",
        "abstract": "摘要：",
        "takeaways": "要点",
        "no_takeaway": "这篇论文没有可以引用为要点的句子。",
        "not_included": "未收录",
        "pages": "{n} 页",
        "page": "1 页",
        "comment": "备注：{comment}",
        "id": "编号 {id}",
    },
}


def _say(lang: str, key: str, **values: object) -> str:
    return TEXT[lang][key].format(**values)


def scope_label(lang: str, category: str | None = None, query: str | None = None) -> str:
    """What the digest covers, for its heading: an arXiv category as it is, a query, or the indexed papers."""
    if category:
        return category
    return _say(lang, "scope_query", query=query) if query else _say(lang, "scope_indexed")


def heading(digest: Digest, lang: str = "en") -> str:
    title = _say(lang, "heading", scope=one_line(digest.scope))
    return title + (f", {digest.day}" if digest.day else "")


def _summary_line(digest: Digest, lang: str) -> str:
    n = len(digest.entries)
    parts = [_say(lang, "papers", n=n) if n != 1 else _say(lang, "paper")]
    if digest.day:
        parts.append(_say(lang, "submitted", day=digest.day))
    parts.append(_say(lang, "generated", when=digest.generated))
    return " · ".join(parts)


def _anchor(i: int) -> str:
    return f"paper-{i}"


def _link_bits(entry: DigestEntry) -> list[tuple[str, str]]:
    """(label, url) of the links worth showing."""
    bits = []
    if url := safe_url(entry.abs_url):
        bits.append(("abs", url))
    if url := safe_url(entry.pdf_url):
        bits.append(("PDF", url))
    return bits


def _facts(entry: DigestEntry, lang: str) -> list[str]:
    facts = []
    if entry.pages:
        facts.append(_say(lang, "pages", n=entry.pages) if entry.pages != 1 else _say(lang, "page"))
    if entry.comment:
        facts.append(_say(lang, "comment", comment=one_line(entry.comment, 120)))
    if entry.published:
        facts.append(_say(lang, "submitted", day=entry.published))
    if entry.categories:
        facts.append(", ".join(one_line(c) for c in entry.categories))
    facts.append(_say(lang, "id", id=one_line(entry.paper_id)))
    return facts


# -- Markdown ------------------------------------------------------------------------------------------


def to_markdown(digest: Digest, lang: str = "en") -> str:
    """The digest as Markdown, its own words in `lang` ("en" or "zh")."""
    say = TEXT[lang]
    lines = [f"# {md_escaped(heading(digest, lang))}", "", _summary_line(digest, lang), "", f"_{say['method']}_", ""]
    lines += [f"## {say['contents']}", ""]
    for i, entry in enumerate(digest.entries, 1):
        lines.append(f"{i}. [{md_escaped(entry.title)}](#{_anchor(i)})")
    for i, entry in enumerate(digest.entries, 1):
        lines += ["", "---", "", f'<a id="{_anchor(i)}"></a>', "", f"## {i}. {md_escaped(entry.title)}", ""]
        if entry.authors:
            lines += [f"**{say['authors']}** {md_escaped(', '.join(entry.authors))}", ""]
        links = [f"[{label}]({url})" for label, url in _link_bits(entry)]
        lines += [f"**{say['links']}** {' · '.join(links + [md_escaped(f) for f in _facts(entry, lang)])}", ""]
        if entry.abstract:
            lines += [f"**{say['abstract']}** {md_escaped(entry.abstract)}", ""]
        lines += [f"**{say['takeaways']}**", ""]
        if entry.note:
            lines += [f"_{md_escaped(entry.note)}_", ""]
        if not entry.takeaways:
            lines.append(f"_{say['no_takeaway']}_")
        for n, t in enumerate(entry.takeaways, 1):
            lines.append(f"{n}. “{md_escaped(t.text)}”" + (f" — {md_escaped(t.location)}" if t.location else ""))
    if digest.not_included:
        lines += ["", "---", "", f"## {say['not_included']}", ""]
        lines += [f"- {md_escaped(source)}: {md_escaped(reason)}" for source, reason in digest.not_included]
    return "\n".join(lines) + "\n"


# -- HTML ----------------------------------------------------------------------------------------------

_CSS = """
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;max-width:52rem;margin:2rem auto;
padding:0 1rem;color:#1d1d1f;background:#fff}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin:0 0 .4rem}
.meta,.facts{color:#555;font-size:.92rem}.method{color:#555;font-style:italic;font-size:.9rem}
nav ol{padding-left:1.4rem}nav li{margin:.15rem 0}
article{border-top:1px solid #ddd;padding:1.2rem 0}
.abstract{margin:.6rem 0}.note{color:#8a5a00;font-size:.9rem}
ol.takeaways li{margin:.35rem 0}.where{color:#555;font-size:.88rem;white-space:nowrap}
a{color:#0b57d0}
@media (prefers-color-scheme:dark){body{background:#111;color:#e6e6e6}.meta,.facts,.method,.where{color:#aaa}
a{color:#8ab4f8}article{border-color:#333}}
"""


def _e(text: str) -> str:
    return esc(one_line(text))


def _takeaway_html(t: Takeaway) -> str:
    where = f' <span class="where">— {_e(t.location)}</span>' if t.location else ""
    return f"<li>“{_e(t.text)}”{where}</li>"


def to_html(digest: Digest, lang: str = "en") -> str:
    """The digest as one HTML page, its own words in `lang` ("en" or "zh")."""
    say = TEXT[lang]
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(heading(digest, lang))}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<header><h1>{_e(heading(digest, lang))}</h1>",
        f'<p class="meta">{_e(_summary_line(digest, lang))}</p>',
        f'<p class="method">{_e(say["method"])}</p></header>',
        f"<nav><h2>{_e(say['contents'])}</h2><ol>",
    ]
    out += [f'<li><a href="#{_anchor(i)}">{_e(e.title)}</a></li>' for i, e in enumerate(digest.entries, 1)]
    out.append("</ol></nav><main>")
    for i, entry in enumerate(digest.entries, 1):
        out.append(f'<article id="{_anchor(i)}"><h2>{i}. {_e(entry.title)}</h2>')
        if entry.authors:
            out.append(f'<p class="meta">{_e(", ".join(entry.authors))}</p>')
        links = [f'<a href="{esc(url)}">{label}</a>' for label, url in _link_bits(entry)]
        out.append(f'<p class="facts">{" · ".join(links + [_e(f) for f in _facts(entry, lang)])}</p>')
        if entry.abstract:
            out.append(f'<p class="abstract"><strong>{_e(say["abstract"])}</strong> {_e(entry.abstract)}</p>')
        out.append(f"<h3>{_e(say['takeaways'])}</h3>")
        if entry.note:
            out.append(f'<p class="note">{_e(entry.note)}</p>')
        if entry.takeaways:
            out.append('<ol class="takeaways">' + "".join(_takeaway_html(t) for t in entry.takeaways) + "</ol>")
        else:
            out.append(f"<p><em>{_e(say['no_takeaway'])}</em></p>")
        out.append("</article>")
    out.append("</main>")
    if digest.not_included:
        out.append(f"<footer><h2>{_e(say['not_included'])}</h2><ul>")
        out += [f"<li>{_e(source)}: {_e(reason)}</li>" for source, reason in digest.not_included]
        out.append("</ul></footer>")
    out.append("</body></html>")
    return "\n".join(out) + "\n"
