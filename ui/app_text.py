"""The web app's own words in English and Chinese, in one place.

Fixed text (labels, buttons, placeholders, help) is given to Gradio as translation keys (`gr.I18n`): the
browser picks the language (its locale, or the language chosen under Settings in the page footer), so one
served page works for both. The text that frames an answer (the sources panel's headings, the note under a
refusal, "searching…") follows the question's language instead, as the answer's own wording does
(`rag.answers.wording`). Paper text is never translated.
"""

from __future__ import annotations

import json
from typing import Any

import gradio as gr

from rag.answers.wording import language
from ui.app_uploads import REASONS

# key → (English, Chinese)
LABELS: dict[str, tuple[str, str]] = {
    "title": ("papers — ask your research papers", "papers — 向你的论文提问"),
    "tagline": (
        "cited answers from your research library, on your machine",
        "来自你的论文库、带引用的回答，在你的电脑上运行",
    ),
    "scope": ("Scope", "范围"),
    "scope_help": (
        "### Scope\nApplies to **Ask** and **Search**; collection and tag to **Related** too.",
        "### 范围\n适用于 **提问** 和 **搜索**；收藏集和标签也适用于 **相关论文**。",
    ),
    "collections": ("Collections", "收藏集"),
    "tags": ("Tags", "标签"),
    "passages_to_read": ("Passages to read", "阅读的段落数"),
    "answer_mode": ("Answer mode", "回答方式"),
    "answer_mode_info": ("extractive: sentences quoted verbatim", "extractive：逐字引用原文句子"),
    "answer_mode_info_llm": (
        "extractive: sentences quoted verbatim; llm: written by the model",
        "extractive：逐字引用原文句子；llm：由模型撰写",
    ),
    "only_papers": ("Only these papers", "仅限这些论文"),
    "from_year": ("From year", "起始年份"),
    "to_year": ("To year", "截止年份"),
    "categories": ("Categories", "分类"),
    "tab_ask": ("Ask", "提问"),
    "tab_search": ("Search", "搜索"),
    "tab_related": ("Related", "相关论文"),
    "tab_library": ("Library", "论文库"),
    "intro": (
        "Ask a question about your papers: every sentence of the answer is quoted from one of them, and each "
        "**[n]** opens its passage in the Sources panel. New here? Try an example below, or add your PDFs in "
        "**Library**.",
        "就你的论文提一个问题：回答的每一句都引自其中一篇论文，点击 **[n]** 即可在“来源”面板中查看对应段落。"
        "第一次使用？试试下面的示例，或在 **论文库** 中添加你的 PDF。",
    ),
    "conversation": ("Conversation", "对话"),
    "chat_placeholder": (
        "**Ask anything your papers might answer.**<br>"
        "Follow-up questions (“and how is it trained?”) use the conversation so far.",
        "**问任何你的论文可能回答的问题。**<br>追问（“那它是怎么训练的？”）会结合之前的对话。",
    ),
    "question_placeholder": ("Ask a question about your papers…", "就你的论文提问…"),
    "ask": ("Ask", "提问"),
    "clear": ("Clear", "清空"),
    "examples": ("Try one of these", "试试这些问题"),
    "export_md": ("Answer as Markdown", "导出回答（Markdown）"),
    "export_bib": ("Cited papers as BibTeX", "导出引用论文（BibTeX）"),
    "export": ("Export", "导出"),
    "prev_page": ("◀ Previous page", "◀ 上一页"),
    "next_page": ("Next page ▶", "下一页 ▶"),
    "search_placeholder": (
        "keywords or a sentence, e.g. reward shaping for reasoning length",
        "关键词或一句话，例如：推理长度的奖励设计",
    ),
    "search": ("Search", "搜索"),
    "related_help": (
        "Papers most similar to one you pick, with the passage pair that matched best.",
        "与所选论文最相似的论文，并列出最匹配的一对段落。",
    ),
    "paper": ("Paper", "论文"),
    "how_many": ("How many", "数量"),
    "add_pdfs": (
        "#### Add PDFs\nSeveral at once; each is checked, read and indexed locally.",
        "#### 添加 PDF\n可一次添加多个；每个文件都在本地检查、读取并建立索引。",
    ),
    "pdf_files": ("PDF files", "PDF 文件"),
    "add_to_library": ("Add to library", "加入论文库"),
    "add_from_arxiv": ("Add from arXiv", "从 arXiv 添加"),
    "arxiv_placeholder": (
        "arXiv ids or URLs (e.g. 2505.16022), or search words",
        "arXiv 编号或网址（如 2505.16022），或搜索词",
    ),
    "fetch": ("Fetch", "获取"),
    "remove_heading": ("#### Remove a paper", "#### 删除论文"),
    "remove": ("Remove", "删除"),
    "papers": ("Papers", "论文"),
    "watched_folders": ("#### Watched folders", "#### 监视的文件夹"),
    "sync_log": ("Sync log", "同步记录"),
    # text the handlers send (as keys too, so it follows the page's language)
    "sources": ("Sources", "来源"),
    "sources_help": (
        "Each answer sentence is quoted from a passage of your papers. The passages it cites appear here, with "
        "the quoted sentences highlighted.",
        "回答的每一句都引自你论文中的某个段落。被引用的段落会显示在这里，并高亮引用的句子。",
    ),
    "page_help": (
        "Click a citation <b>[n]</b> or a source to see its page, with the quoted sentence highlighted.",
        "点击引用 <b>[n]</b> 或某个来源，即可查看它所在的页面，引用的句子会高亮显示。",
    ),
    "library_size": ("Papers · passages indexed:", "论文 · 已索引段落："),
    "library_empty": (
        "The library is empty: add PDFs in the **Library** tab (or run `papers ingest data/`).",
        "论文库是空的：在 **论文库** 标签页中添加 PDF（或运行 `papers ingest data/`）。",
    ),
    "library_size_capped": (
        "Papers · passages indexed (the lists show the most recently added; `papers list` has all):",
        "论文 · 已索引段落（列表只显示最近添加的论文；`papers list` 列出全部）：",
    ),
    "pick_related": (
        "Pick a paper to see the most similar ones in your library.",
        "选择一篇论文，查看论文库中与它最相似的论文。",
    ),
    "no_other_papers": ("No other papers in the library yet.", "论文库中还没有其他论文。"),
    "select_result": ("Select a result to read it in context.", "选择一条结果，查看它的上下文。"),
    "n_passages_found": ("passages. Select a row to read it in context.", "个段落。选择一行查看其上下文。"),
    "no_passages": ("No passages match.", "没有匹配的段落。"),
    "choose_files": ("Choose one or more PDF files first.", "请先选择一个或多个 PDF 文件。"),
    "pick_remove": ("Pick a paper to remove.", "请选择要删除的论文。"),
    # text the handlers build with values in it: sent in the page's language (`say`), never as a key
    "outcome_added": ("added", "已添加"),
    "outcome_unchanged": ("already in library", "已在论文库中"),
    "outcome_skipped": ("skipped", "已跳过"),
    "outcome_failed": ("failed", "失败"),
    "added_detail": ("{title} — {n} passages", "{title} — {n} 个段落"),
    "unreadable": ("nothing could be read from it", "无法从中读取任何内容"),
    "upload_unreadable": (REASONS["unreadable"], "无法读取上传的文件：{why}"),
    "upload_empty": (REASONS["empty"], "文件是空的"),
    "upload_too_big": (REASONS["too_big"], "文件大小为 {size} MB；上限为 {limit} MB"),
    "upload_not_pdf": (REASONS["not_pdf"], "不是 PDF（文件不以 %PDF- 开头）"),
    "nothing_found": ("nothing found", "没有找到"),
    "reading": ("Reading {name}", "正在读取 {name}"),
    "done": ("Done", "完成"),
    "removed": ("Removed **{title}** and its {n} passages.", "已删除 **{title}** 及其 {n} 个段落。"),
    "export_ask_first": ("Ask a question first: the export is the last answer.", "请先提问：导出的是最近一次的回答。"),
    "export_no_cited": (
        "No cited papers to export yet: ask a question first.",
        "还没有可导出的被引论文：请先提问。",
    ),
    "passages_found": ("{n} passages. Select a row to read it in context.", "{n} 个段落。选择一行查看其上下文。"),
    "within": (" (collection: {collections}; tag: {tags})", "（收藏集：{collections}；标签：{tags}）"),
    "within_collection": (" (collection: {collections})", "（收藏集：{collections}）"),
    "within_tag": (" (tag: {tags})", "（标签：{tags}）"),
    "page_of": ("page {page} of {pages}", "第 {page} 页，共 {pages} 页"),
    "page_n": ("page {page}", "第 {page} 页"),
    "file": ("file {name}", "文件 {name}"),
    "quote_not_here": ("The quote is not on this page.", "引文不在这一页。"),
    "abstract_only": (
        "No PDF for this paper (abstract only); the quote in its text:",
        "这篇论文没有 PDF（只有摘要）；引文在其文本中：",
    ),
    "pdf_gone": (
        "The PDF of this paper is no longer at {path} (moved or deleted since it was added); add it again to see "
        "its pages. The passage as stored:",
        "这篇论文的 PDF 已不在 {path}（添加后被移动或删除）；重新添加即可查看其页面。存储的段落：",
    ),
    "page_unavailable": (
        "The page cannot be shown ({why}). The passage as stored:",
        "无法显示该页（{why}）。存储的段落：",
    ),
    "in_paper": ("In “{title}” {where}", "在《{title}》中 {where}"),
    "in_this_paper": ("In this paper {where}", "在这篇论文中 {where}"),
    "passage_similarity": ("passage similarity {score}", "段落相似度 {score}"),
    "ocr_text": ("OCR text", "OCR 文本"),
    "ocr_title": ("read from a page image by OCR", "由 OCR 从页面图像中读取"),
    "score": ("score {score}", "得分 {score}"),
    "open": ("Open", "打开"),
    # table columns (a table's header is not a translatable value: it is sent in the page's language)
    "col_title": ("Title", "标题"),
    "col_authors": ("Authors", "作者"),
    "col_year": ("Year", "年份"),
    "col_source": ("Source", "来源"),
    "col_pages": ("Pages", "页数"),
    "col_chunks": ("Chunks", "段落数"),
    "col_id": ("Id", "编号"),
    "col_rank": ("#", "序号"),
    "col_score": ("Score", "得分"),
    "col_paper": ("Paper", "论文"),
    "col_where": ("Where", "位置"),
    "col_passage": ("Passage", "段落"),
    "col_time": ("time", "时间"),
    "col_what": ("what", "事件"),
    "col_input": ("paper or input", "论文或输入"),
    "sync_added": ("added", "已添加"),
    "sync_updated": ("updated", "已更新"),
    "sync_removed": ("removed", "已删除"),
    "sync_problem": ("problem", "问题"),
    "sync_held back": ("held back", "已暂缓"),
    # example questions, built from the titles of papers in the library
    "example_how": ("How does {name} work?", "{name} 是如何工作的？"),
    "example_problem": ("What problem does {name} address?", "{name} 解决了什么问题？"),
    "example_results": ("What results does {name} report?", "{name} 报告了哪些结果？"),
    "example_proposes": ("What does “{title}” propose?", "《{title}》提出了什么？"),
}

I18N = gr.I18n(
    en={key: en for key, (en, _) in LABELS.items()},
    zh={key: zh for key, (_, zh) in LABELS.items()},
)


def shown(text: str, lang: str) -> str:
    """`text` as the page shows it in `lang` ("en" or "zh"): its translation key, if any, replaced by the
    phrase (the page translates the first key of a text only, so each text carries at most one)."""
    head, marker, rest = text.partition("__i18n__")
    if not marker:
        return text
    spec, _, tail = rest.partition("}")
    key = json.loads(spec + "}")["key"]
    return head + LABELS[key][0 if lang == "en" else 1] + tail


def say(key: str, lang: str, **values: object) -> str:
    """The text `key` in `lang` ("en" or "zh"), filled with `values`: for text built with values in it, which
    the page cannot translate (it translates a value that is one key, nothing inside a longer one)."""
    return LABELS[key][1 if lang == "zh" else 0].format(**values)


COLUMNS: dict[str, list[str]] = {
    "library": ["col_title", "col_authors", "col_year", "col_source", "col_pages", "col_chunks", "col_id"],
    "search": ["col_rank", "col_score", "col_paper", "col_where", "col_passage"],
    "sync": ["col_time", "col_what", "col_input"],
}


def table(name: str, rows: list[list[Any]], lang: str) -> dict[str, Any]:
    """A Dataframe value with its column names in `lang` (`name`: a table of COLUMNS)."""
    return {"headers": [say(key, lang) for key in COLUMNS[name]], "data": rows}


LANGUAGE_JS = "document.documentElement.lang || navigator.language || ''"
"""What the page reports as its language: the locale Gradio's i18n uses (set on <html lang> whenever the
Settings toggle changes it; the browser's language until then)."""


def page_language(lang: str | None, request: gr.Request | None = None) -> str:
    """ "zh" or "en": the language the page showed when the event fired (`lang`, sent by `with_language`),
    else the request's Accept-Language (an API call, a page that sent nothing), else English."""
    for tag in (lang, _first_language(request)):
        if tag and tag.strip():
            return "zh" if tag.strip().lower().startswith("zh") else "en"
    return "en"


def _first_language(request: gr.Request | None) -> str:
    """The preferred language of an Accept-Language header ("zh-CN,zh;q=0.9,en;q=0.8" → "zh-CN")."""
    headers = getattr(request, "headers", None)
    header = headers.get("accept-language", "") if headers is not None else ""
    ranked = []
    for i, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        weight = params.strip().removeprefix("q=") if params.strip().startswith("q=") else "1"
        try:
            ranked.append((-float(weight), i, tag.strip()))
        except ValueError:
            continue
    ranked = [r for r in ranked if r[2] and r[2] != "*"]
    return min(ranked)[2] if ranked else ""


def with_language(n_inputs: int) -> str:
    """The `js` of an event whose last input is the page-language box: fills it in as the event fires, so the
    handler answers in the language the page shows (the server cannot see the Settings toggle)."""
    return f"(...values) => {{ const v = values.slice(0, {n_inputs}); v[{n_inputs - 1}] = {LANGUAGE_JS}; return v; }}"


def t(key: str) -> gr.i18n.I18nData:
    """The translation key for `key` (a KeyError here, at build time, for a key that has no text)."""
    LABELS[key]
    return I18N(key)


# What frames an answer in the chat and the sources panel, in the question's language.
FRAMING: dict[str, dict[str, str]] = {
    "en": {
        "searching": "*Searching the papers…*",
        "finding": "Finding passages…",
        "refusal_note": " The closest passages are shown beside the chat; try rephrasing, or widen the filters.",
        "sources": "Sources",
        "closest": "Closest passages",
        "for": "for “{question}”",
        "nothing_matched": "No passages matched at all.",
    },
    "zh": {
        "searching": "*正在检索论文…*",
        "finding": "正在查找段落…",
        "refusal_note": " 最接近的段落显示在对话旁边；可以换个说法，或放宽筛选条件。",
        "sources": "来源",
        "closest": "最接近的段落",
        "for": "问题：“{question}”",
        "nothing_matched": "没有任何段落匹配。",
    },
}


def framing(asked: str, key: str, **values: str) -> str:
    """The framing text `key` in the language the question `asked` is written in, filled with `values`."""
    return FRAMING[language(asked)][key].format(**values)
