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
    for words in ("论文速递 — 论文库中的论文", "1 篇论文", "目录", "<h3>要点</h3>", "摘要：", "20 页"):
        assert words in page, words
    # ("20 pages" is arXiv's comment)
    for english in ("Key takeaways", "Contents", "Abstract.", "<strong>Authors", "indexed papers"):
        assert english not in page, english
    assert "NOVER: Incentive Training for Language Models" in page  # the paper's own words stay


# -- text the handlers build with values in it: in the language the page shows ---------------------------


def test_the_page_language_comes_from_the_page_then_the_browser_header() -> None:
    import gradio as gr
    from starlette.requests import Request

    from ui.app_text import page_language

    def browser(accept: str) -> gr.Request:
        return gr.Request(Request({"type": "http", "headers": [(b"accept-language", accept.encode())]}))

    assert page_language("zh") == page_language("zh-CN") == page_language("zh-Hant-TW") == "zh"
    assert page_language("en-US") == page_language("") == page_language(None) == "en"
    assert page_language("en", browser("zh-CN,zh;q=0.9")) == "en"  # the toggle wins over the browser
    assert page_language("", browser("en;q=0.5, zh-CN;q=0.9")) == "zh"  # the most preferred language
    assert page_language("", browser("fr-FR,en;q=0.8")) == "en"
    assert page_language("", browser("*")) == page_language("", browser("garbage;q=x")) == "en"


def test_upload_outcomes_and_removal_in_chinese(make_library, tmp_path: Path) -> None:
    from tests.pdf_factory import TITLE, make_paper_pdf
    from ui.app import PapersApp

    app = PapersApp(make_library())
    good, fake = tmp_path / "good.pdf", tmp_path / "fake.pdf"
    make_paper_pdf(good)
    fake.write_text("just text")
    steps: list[str] = []
    html = app.add_files([str(good), str(fake)], "zh-CN", progress=lambda v, desc="": steps.append(desc))
    assert '<span class="badge">已添加</span>' in html and "个段落" in html and TITLE in html
    assert '<span class="badge">失败</span>' in html and "不是 PDF（文件不以 %PDF- 开头）" in html
    assert not re.search(r'class="badge">(added|failed|skipped|already in library)<', html)
    assert steps[0] == "正在读取 good.pdf" and steps[-1] == "完成"
    again = app.add_files([str(good)], "zh")
    assert '<span class="badge">已在论文库中</span>' in again
    assert '<span class="badge">already in library</span>' in app.add_files([str(good)], "en")
    assert app.add_files([], "zh") == '<p class="muted">请先选择一个或多个 PDF 文件。</p>'
    assert app.remove(None, "zh") == "请选择要删除的论文。"
    removed = app.remove(app.library.papers()[0].id, "zh")
    assert removed.startswith("已删除 **") and "个段落" in removed


def test_export_warnings_in_chinese(bundled_library) -> None:
    from ui.app import PapersApp

    app = PapersApp(bundled_library)
    with pytest.warns(UserWarning, match="请先提问：导出的是最近一次的回答"):
        assert app.export_answer([], "zh") is None
    with pytest.warns(UserWarning, match="还没有可导出的被引论文"):
        assert app.export_bibtex(None, "zh-CN") is None
    with pytest.warns(UserWarning, match="Ask a question first"):
        app.export_answer([], "en")


def test_search_status_and_related_in_chinese(bundled_library) -> None:
    from ui.app import PapersApp

    app = PapersApp(bundled_library)
    nover = next(p.id for p in bundled_library.papers() if p.title.startswith("NOVER"))
    _, _, status, _ = app.search("verifier", 5, [], None, None, [], None, None, "zh")
    assert status == "5 个段落。选择一行查看其上下文。"
    _, _, status, _ = app.search("verifier", 5, [], None, None, [], ["nowhere"], ["x"], "zh")
    assert status == "没有匹配的段落。"
    _, _, status, _ = app.search("verifier", 5, [], None, None, [], None, None, "en")
    assert status == "5 passages. Select a row to read it in context."
    results, *_ = app.search("verifier", 5, [], None, None, [], None, None, "zh")
    assert results["headers"] == ["序号", "得分", "论文", "位置", "段落"] and len(results["data"]) == 5
    library_table = app.refreshed("zh")[6]
    assert library_table["headers"][:3] == ["标题", "作者", "年份"] and len(library_table["data"]) == 19
    related = app.related(nover, 3, None, None, "zh")
    assert "段落相似度" in related and "在这篇论文中" in related and "passage similarity" not in related
