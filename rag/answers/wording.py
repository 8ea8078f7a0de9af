"""The framing text of an answer (the refusal and what a decline says is missing) in the question's
language: English, or Chinese for a Chinese question. Quoted sentences stay in their paper's words."""

from __future__ import annotations

from rag.text import is_cjk

WORDING: dict[str, dict[str, str]] = {
    "en": {
        "refusal": "The indexed papers don't appear to answer this.",
        "unstated": "None of the passages that match it state the {attribute}.",
        "missing": "None of them mention {names}.",
        "or": " or ",
        "no_quantity": "None of the passages that match it reports that number.",
        "sources": "Sources:",
        "closest": "Closest passages:",
    },
    "zh": {
        "refusal": "已索引的论文似乎没有回答这个问题。",
        "unstated": "与之匹配的段落都没有给出 {attribute}。",
        "missing": "没有一篇论文提到 {names}。",
        "or": " 或 ",
        "no_quantity": "与之匹配的段落都没有给出这个数字。",
        "sources": "来源：",
        "closest": "最接近的段落：",
    },
}


def language(question: str) -> str:
    """The question's language: "zh" when written in Chinese, else "en"."""
    return "zh" if is_cjk(question) else "en"


def phrase(question: str, key: str, **values: str) -> str:
    """The framing sentence `key` in the question's language, filled with `values`."""
    return WORDING[language(question)][key].format(**values)
