"""The app in English and Chinese: every fixed label is a translation key with both texts, a Chinese
question's answer is framed in Chinese, and `papers digest --lang zh` writes the page's own words in Chinese.
(The real-browser check, switching the language and reading the labels, is in tests/browser/e2e.mjs.)"""

from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from rag.text import is_cjk
from ui.app_text import LABELS, shown

UI = Path(__file__).resolve().parents[1] / "ui"
MARKER = "__i18n__"


def test_every_label_has_english_and_chinese_text() -> None:
    for key, (en, zh) in LABELS.items():
        assert en.strip() and not is_cjk(en), key
        assert is_cjk(zh), key


def test_every_key_the_app_uses_has_text() -> None:
    used = {m for path in UI.glob("*.py") for m in re.findall(r"\bt\(\s*\"(\w+)\"", path.read_text())}
    used |= {m for path in UI.glob("*.py") for m in re.findall(r"\bt\(\s*'(\w+)'", path.read_text())}
    assert used and used <= set(LABELS), used - set(LABELS)


def _texts(config: dict) -> list[tuple[str, str, str]]:
    """(component, prop, text) of each label, placeholder, help and button text the page shows."""
    found = []
    for component in config["components"]:
        props = component.get("props", {})
        if props.get("visible") in (False, "hidden"):
            continue
        for prop in ("label", "info", "placeholder"):
            if isinstance(props.get(prop), str) and props.get(prop):
                found.append((component["type"], prop, props[prop]))
        if component["type"] in ("button", "markdown") and isinstance(props.get("value"), str) and props["value"]:
            found.append((component["type"], "value", props["value"]))
    return found


def test_every_fixed_text_of_the_page_is_translated(bundled_library) -> None:
    from ui.app_layout import build_app

    demo = build_app(bundled_library)
    config = demo.get_config_file()
    texts = _texts(config)
    assert len(texts) > 30
    # gr.api endpoints ("api") are not shown on the page; their parameters keep their names.
    untranslated = [(c, p, v) for c, p, v in texts if MARKER not in v and c != "api"]
    assert untranslated == []
    assert MARKER in str(config["title"])
    assert "来源" in shown(
        str(next(c for c in config["components"] if c["props"].get("elem_id") == "sources")["props"]["value"]), "zh"
    )


def _ask(app, question: str) -> list[tuple]:
    args = dict(k=8, mode="extractive", papers=[], year_min=None, year_max=None, categories=[])
    return [copy.deepcopy(step) for step in app.ask(question, [], [], [], **args)]  # the chat list is reused


@pytest.mark.parametrize(
    ("question", "searching", "panel_words"),
    [
        ("NOVER 如何避免使用外部验证器？", "正在检索论文", ("来源", "问题：“NOVER")),
        ("How does NOVER avoid an external verifier?", "Searching the papers", ("Sources", "for “How")),
    ],
)
def test_a_question_is_framed_in_its_own_language(bundled_library, question, searching, panel_words) -> None:
    from ui.app import PapersApp

    steps = _ask(PapersApp(bundled_library), question)
    chat, _, _, panel, _ = steps[-1]
    assert searching in steps[0][0][-1]["content"]
    assert all(word in panel for word in panel_words), panel[:300]
    other = ("Sources", "Closest passages") if is_cjk(question) else ("来源", "最接近的段落")
    assert not any(f"<h3>{word}</h3>" in panel for word in other)
    assert "[1]" in chat[-1]["content"]


def test_a_declined_chinese_question_says_so_in_chinese(bundled_library) -> None:
    from ui.app import PapersApp

    chat, _, _, panel, _ = _ask(PapersApp(bundled_library), "火星上的企鹅怎样用量子计算机孵蛋？")[-1]
    answer = chat[-1]["content"]
    assert "已索引的论文" in answer or "没有一篇论文提到" in answer, answer
    assert "最接近的段落" in answer and "closest passages" not in answer.lower()
    assert "<h3>最接近的段落</h3>" in panel or "没有任何段落匹配" in panel


def test_digest_in_chinese(bundled_library, monkeypatch, capsys) -> None:
    from ui.cli import main

    embedder = bundled_library.embedder  # the CLI builds its own Library: it shares the loaded model
    monkeypatch.setattr("rag.engine.shared_embedder", lambda settings: embedder)
    index = str(bundled_library.settings.index_dir)
    assert main(["digest", "--indexed", "--index", index, "--paper", "NOVER", "--lang", "zh", "--format", "html"]) == 0
    page = capsys.readouterr().out
    assert '<html lang="zh-CN">' in page
    for words in ("论文速递", "1 篇论文", "目录", "<h3>要点</h3>", "摘要：", "20 页"):
        assert words in page, words
    for english in ("Key takeaways", "Contents", "Abstract.", "<strong>Authors"):  # ("20 pages" is arXiv's comment)
        assert english not in page, english
    assert "NOVER: Incentive Training for Language Models" in page  # the paper's own words stay
