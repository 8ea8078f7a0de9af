"""The web app's own words in English and Chinese, in one place.

Fixed text (labels, buttons, placeholders, help) is given to Gradio as translation keys (`gr.I18n`): the
browser picks the language (its locale, or the language chosen under Settings in the page footer), so one
served page works for both. The text that frames an answer (the sources panel's headings, the note under a
refusal, "searching…") follows the question's language instead, as the answer's own wording does
(`rag.answers.wording`). Paper text is never translated.
"""

from __future__ import annotations

import json

import gradio as gr

from rag.answers.wording import language

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
