"""The Gradio app's handlers on a real index (bundled corpus + one hostile record), its escaping, its
upload checks, its JSON API through `gradio_client`, and `papers serve`'s options."""

from __future__ import annotations

import json
import socket
import time
import urllib.request
from itertools import pairwise
from pathlib import Path

import pytest

from tests.conftest import BUNDLED
from tests.pdf_factory import TITLE as PDF_TITLE
from tests.pdf_factory import make_blank_pdf, make_paper_pdf

HOSTILE = {
    "id": "hostile-quantum-bananas",
    "title": 'Quantum <script>alert(1)</script> Bananas <img src=x onerror="alert(2)">',
    "authors": ["Eve <b onmouseover=alert(3)>Mallory</b>"],
    "abstract": (
        "Quantum bananas ripen twice as fast under coherent light <script>alert(1)</script> in our orchard "
        "trials. See [x](javascript:alert(1)) and ${alert(5)} for the protocol. The ripening rate of quantum "
        "bananas doubled when the orchard was lit by a laser <img src=x onerror=alert(6)> at night."
    ),
    "year": 2024,
    "url": "javascript:alert(7)",
}
HOSTILE_Q = "How fast do quantum bananas ripen under coherent light?"
NOVER_Q = "How does NOVER avoid an external verifier?"
TIMINGS = Path(__file__).resolve().parents[1] / "test-artifacts" / "app-timings.json"


@pytest.fixture(scope="module")
def library(tmp_path_factory: pytest.TempPathFactory):
    """One read-only index for the module: the bundled corpus plus the hostile record."""
    from rag import Library, Settings

    folder = tmp_path_factory.mktemp("app-index")
    hostile = folder / "hostile.jsonl"
    hostile.write_text(json.dumps(HOSTILE) + "\n", encoding="utf-8")
    library = Library(Settings(index_dir=folder / "index"))
    report = library.ingest([str(BUNDLED), str(hostile)])
    assert len(report.added) == 20 and not report.failed
    return library


@pytest.fixture(scope="module")
def app(library):
    from ui.app import PapersApp

    return PapersApp(library)


@pytest.fixture
def writable(tmp_path: Path, library):
    """A fresh, empty index for tests that upload or remove; shares the loaded model."""
    from rag import Library, Settings
    from ui.app import PapersApp

    fresh = Library(Settings(index_dir=tmp_path / "index"), embedder=library.embedder)
    return PapersApp(fresh)


def _run_ask(app, question: str, history=None, turns=None, chat=None, **scope):
    args = dict(k=8, mode="extractive", papers=[], year_min=None, year_max=None, categories=[])
    args.update(scope)
    steps = []
    t0 = time.perf_counter()
    for step in app.ask(question, chat or [], history or [], turns or [], **args):
        steps.append((time.perf_counter() - t0, step))
    return steps


# -- Ask -----------------------------------------------------------------------------------------------


def test_ask_streams_a_cited_answer_with_linked_sources(app):
    steps = _run_ask(app, NOVER_Q)
    chat, history, turns, panel, box = steps[-1][1]
    assert box == ""
    # The question appears at once, then the answer grows sentence by sentence.
    first_chat = steps[0][1][0]
    assert first_chat[0] == {"role": "user", "content": first_chat[0]["content"]}
    assert "NOVER" in first_chat[0]["content"]
    answers = [s[1][0][-1]["content"] for s in steps[1:]]
    assert answers and all(answers[i] in answers[i + 1] for i in range(len(answers) - 1))
    survey = [s[1][0][-1]["content"] for s in _run_ask(app, "Which papers modify GRPO with new reward functions?")[1:]]
    assert len(survey) >= 3 and all(survey[i] in survey[i + 1] for i in range(len(survey) - 1))  # grows per sentence
    final = chat[-1]["content"]
    assert '<a class="cite" href="#src-0-1">[1]</a>' in final
    # The sources panel holds the anchor, title, authors, page/section and the quoted sentence marked.
    assert 'id="src-0-1"' in panel and "<mark>" in panel
    assert "NOVER: Incentive Training" in panel and "Wei Liu" in panel and "§ Abstract" in panel
    marked = panel.split("<mark>")[1].split("</mark>")[0]
    assert marked[:40] in history[-1][1]["answer"]
    assert history == [[NOVER_Q, history[-1][1]]] and "[1]" in history[-1][1]["answer"]
    assert history[-1][1]["sources"][0]["title"].startswith("NOVER")  # follow-ups can use the cited papers
    assert turns == [panel]
    timings = {"first_answer_text_s": round(steps[1][0], 3), "full_answer_s": round(steps[-1][0], 3)}
    TIMINGS.parent.mkdir(exist_ok=True)
    TIMINGS.write_text(json.dumps({"handler_ask": timings}, indent=2))


def test_follow_up_passes_the_conversation_as_history(app, monkeypatch):
    seen = []
    real = app.library.ask

    def spy(question, **kwargs):
        seen.append(kwargs["history"])
        return real(question, **kwargs)

    monkeypatch.setattr(app.library, "ask", spy)
    chat, history, turns, _, _ = _run_ask(app, NOVER_Q)[-1][1]
    chat, history, turns, panel, _ = _run_ask(app, "What data does it need?", history, turns, chat)[-1][1]
    assert seen[0] == [] and seen[1] == [(NOVER_Q, history[0][1])]
    assert len(chat) == 4 and len(turns) == 2
    assert 'id="src-1-1"' in panel  # the second turn's anchors are its own


def test_llm_mode_streams_tokens_then_the_checked_answer(library):
    from rag import Library, Settings
    from tests.openai_stub import Reply, openai_stub
    from ui.app import PapersApp

    question = "What share of responses suffer from verifier false negatives?"
    with openai_stub() as (url, stub):
        lib = Library(Settings(index_dir=library.settings.index_dir, llm_base_url=url), embedder=library.embedder)
        llm_app = PapersApp(lib)
        assert llm_app.answer_modes() == ["extractive", "llm"]
        hits = lib.search(question, k=8)
        n = next(i for i, h in enumerate(hits[:6], 1) if "38%" in h.text)
        stub.queue(Reply(f"Over 38% of model-generated responses suffer from false negatives [{n}].", chunk=5))
        steps = _run_ask(llm_app, question, mode="llm")
    streamed = [s[1][0][-1]["content"] for s in steps[1:-1]]
    assert len(streamed) > 3 and all(len(a) <= len(b) for a, b in pairwise(streamed))
    chat, history, _, panel, _ = steps[-1][1]
    assert "38%" in chat[-1]["content"] and '<a class="cite" href="#src-0-1">[1]</a>' in chat[-1]["content"]
    assert 'id="src-0-1"' in panel and "TinyV" in panel and history[0][1]["mode"] == "llm"


def test_clicking_an_older_message_shows_that_turns_sources(app):
    import gradio as gr

    turns = ["<p>turn0</p>", "<p>turn1</p>"]
    assert app.show_turn(turns, gr.SelectData(None, {"index": 1, "value": "", "selected": True})) == turns[0]
    assert app.show_turn(turns, gr.SelectData(None, {"index": 3, "value": "", "selected": True})) == turns[1]


def test_refusal_shows_the_closest_passages(app):
    chat, _, _, panel, _ = _run_ask(app, "What is the boiling point of tungsten?")[-1][1]
    assert "don't appear to answer" in chat[-1]["content"].replace("&#39;", "'").replace("&#46;", ".")
    assert "Closest passages" in panel and panel.count('class="src"') >= 1


def test_filters_restrict_the_answer_to_chosen_papers(app, library):
    nover = next(p.id for p in library.papers() if p.title.startswith("NOVER"))
    tiny = next(p.id for p in library.papers() if p.title.startswith("TinyV"))
    *_, (_, (_, _, _, panel, _)) = _run_ask(app, NOVER_Q, papers=[tiny])
    assert "TinyV" in panel and "NOVER: Incentive" not in panel
    rows = app.search("verifier", 5, [nover], None, None, [])[0]["data"]
    assert rows and all(r[2].startswith("NOVER") for r in rows)
    rows = app.search("verifier", 5, [], "2030", None, [])[0]["data"]
    assert rows == []


def test_example_questions_come_from_the_corpus_and_are_answered(app, library):
    from rag.text import is_cjk

    examples = app.example_questions()
    chinese = app.example_questions(lang="zh")  # shown when the page is in Chinese
    assert len(examples) == len(chinese) == 4
    assert all(is_cjk(q) for q in chinese) and not any(is_cjk(q) for q in examples)
    for question in [*examples, *chinese]:
        answer = library.ask(question)
        assert not answer.refused, question


def test_empty_question_changes_nothing(app):
    steps = _run_ask(app, "   ")
    assert len(steps) == 1 and steps[0][1][0] == []


# -- Search, Related, Library views ------------------------------------------------------------------


def test_search_rows_and_context_with_neighbours(app):
    import gradio as gr

    results, ids, _status, context = app.search("reward shaping for shorter reasoning", 5, [], None, None, [])
    rows = results["data"]
    assert results["headers"] == ["#", "Score", "Paper", "Where", "Passage"]
    assert len(rows) == len(ids) == 5 and [r[0] for r in rows] == [1, 2, 3, 4, 5]
    assert "Length-based Reward Shaping" in rows[0][2]
    assert 'class="ctx focus"' in context
    picked = app.select_result(ids, gr.SelectData(None, {"index": [1, 2], "value": "", "selected": True}))
    assert 'class="ctx focus"' in picked and R_esc(rows[1][2][:30]) in picked


def R_esc(text: str) -> str:
    from ui.escape import esc

    return esc(text)


def test_related_shows_scores_and_the_matched_passage_pair(app, library):
    nover = next(p.id for p in library.papers() if p.title.startswith("NOVER"))
    html = app.related(nover, 3)
    assert html.count('class="rel"') == 3
    assert html.count("<blockquote>") == 6 and "passage similarity" in html
    assert "NOVER" not in html.split('class="src-title">')[1].split("<")[0]  # not itself


def test_library_table_and_stats(app):
    rows = app.library_rows()
    assert len(rows) == 20 and all(len(r) == 7 for r in rows)
    from ui.app_text import shown

    assert shown(app.stats_line(), "en") == "Papers · passages indexed: **20** · **88**"
    assert shown(app.stats_line(), "zh") == "论文 · 已索引段落： **20** · **88**"


# -- untrusted text ----------------------------------------------------------------------------------


def test_hostile_paper_text_is_escaped_everywhere(app, library):
    from markdown_it import MarkdownIt

    chat, _, _, panel, _ = _run_ask(app, HOSTILE_Q)[-1][1]
    assert "Quantum &lt;script&gt;alert(1)&lt;/script&gt; Bananas" in panel
    for html in (panel, chat[-1]["content"]):
        assert "<script" not in html and "<img" not in html and "<b " not in html
        assert 'href="javascript' not in html
    # The chat message is Markdown: rendered, the hostile sentence is text, with no link or tag.
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(chat[-1]["content"])
    assert "<script" not in rendered and "<img" not in rendered and 'href="javascript' not in rendered
    assert "[x](javascript:alert(1))" in rendered or "&lt;script&gt;" in rendered
    assert rendered.count("<a ") == chat[-1]["content"].count('<a class="cite"')
    # Search, context and related views escape it too, and the javascript: URL never becomes a link.
    results, _ids, _, context = app.search("quantum bananas ripening", 3, [], None, None, [])
    rows = results["data"]
    assert rows[0][2].startswith("Quantum <script>")  # table cells are plain text (rendered as text)
    assert "<script" not in context and "&lt;script&gt;" in context and 'href="javascript' not in context
    related = app.related(HOSTILE["id"], 3)
    assert "<script" not in related and "<img" not in related
    hit = library.search("quantum bananas", k=1)[0]
    assert app.links_for(hit) == []


def test_markdown_and_url_escapes():
    from markdown_it import MarkdownIt

    from ui.app_render import highlighted
    from ui.escape import esc, md_literal, safe_url

    nasty = "**bold** [x](javascript:alert(1)) <i>t</i> $$x$$ `code` https://evil.example ![i](x.png)"
    rendered = MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(md_literal(nasty))
    assert rendered.strip() == f"<p>{esc(nasty)}</p>".replace("&#x27;", "'")
    assert esc('"><script>') == "&quot;&gt;&lt;script&gt;"
    assert safe_url("javascript:alert(1)") is None and safe_url("data:text/html,x") is None
    assert safe_url("//evil.example/x") is None and safe_url("https://arxiv.org/abs/2505.16022")
    assert highlighted("a <b> c", [(2, 5)]) == "a <mark>&lt;b&gt;</mark> c"


# -- uploads -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["../../x.pdf", "..\\..\\evil.pdf", "/etc/passwd", "a/../../b.pdf", "", ".pdf", "ok paper (v2).PDF"]
)
def test_upload_names_never_leave_the_uploads_folder(tmp_path: Path, name: str):
    from ui.app_uploads import store_upload, uploads_dir

    src = tmp_path / "incoming.bin"
    src.write_bytes(b"%PDF-1.4\n% test\n")
    cache = tmp_path / "cache"
    stored = store_upload(src, name, cache, max_bytes=1000)
    root = uploads_dir(cache).resolve()
    assert stored.path.resolve().is_relative_to(root) and stored.path.parent.parent.resolve() == root
    assert stored.path.suffix == ".pdf" and stored.path.read_bytes() == src.read_bytes()
    assert not (tmp_path / "x.pdf").exists() and not (tmp_path.parent / "x.pdf").exists()


def test_upload_is_checked_by_content_and_size(tmp_path: Path):
    from ui.app_uploads import UploadRejected, store_upload

    fake = tmp_path / "paper.pdf"
    fake.write_text("<html><script>alert(1)</script></html>")
    with pytest.raises(UploadRejected, match="not a PDF"):
        store_upload(fake, "paper.pdf", tmp_path / "cache", max_bytes=10_000)
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * 5000)
    with pytest.raises(UploadRejected, match="limit"):
        store_upload(big, "big.pdf", tmp_path / "cache", max_bytes=1000)
    empty = tmp_path / "empty.pdf"
    empty.write_bytes(b"")
    with pytest.raises(UploadRejected, match="empty"):
        store_upload(empty, "empty.pdf", tmp_path / "cache", max_bytes=1000)
    assert not (tmp_path / "cache" / "uploads").exists() or not any((tmp_path / "cache" / "uploads").iterdir())


def test_upload_reports_each_file_then_lists_and_removes_it(writable, tmp_path: Path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    good = incoming / "good paper.pdf"
    make_paper_pdf(good)
    blank = incoming / "blank.pdf"
    make_blank_pdf(blank)
    fake = incoming / "fake.pdf"
    fake.write_text("just text")
    progress = []
    html = writable.add_files(
        [str(good), str(blank), str(fake)], progress=lambda v, desc="": progress.append((v, desc))
    )
    assert html.count('class="out out-added"') == 1 and PDF_TITLE in html
    assert html.count('class="out out-skipped"') + html.count('class="out out-failed"') == 2
    assert "not a PDF" in html
    assert progress[0][0] == (0, 3) and progress[-1][0] == (3, 3)
    again = writable.add_files([str(good)])
    assert 'class="out out-unchanged"' in again
    # Only the indexed upload is kept, under a generated folder.
    uploads = writable.settings.cache_dir / "uploads"
    kept = sorted(p.relative_to(uploads) for p in uploads.rglob("*.pdf"))
    assert len(kept) == 1 and kept[0].name == "good_paper.pdf"
    # The other views see it; its passages link to the stored PDF at their page.
    refreshed = writable.refreshed()
    paper_id = writable.library.papers()[0].id
    assert (PDF_TITLE, paper_id) in [(label.split(" (")[0], pid) for label, pid in refreshed[0]["choices"]]
    hit = writable.library.search("method passage", k=1)[0]
    links = writable.links_for(hit)
    assert links and "/gradio_api/file=" in links[0] and f"#page={hit.page_start}" in links[0]
    message = writable.remove(paper_id)
    assert "Removed" in message and writable.library_rows() == []
    assert not any(uploads.rglob("*.pdf"))


# -- the served app: JSON API through gradio_client, share fallback, CLI --------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_named_endpoints_answer_gradio_client(library, monkeypatch, capsys):
    from gradio_client import Client

    import ui.app
    from ui.app import launch_app

    monkeypatch.setattr(ui.app, "share_reachable", lambda timeout=4.0: "offline in tests")
    demo = launch_app(library, port=_free_port(), share=True, block=False, warm_up=False)
    try:
        err = capsys.readouterr().err
        assert "--share without --auth" in err and "no public link" in err and "offline in tests" in err
        assert demo.share_url is None and demo.local_url.startswith("http://127.0.0.1:")
        with urllib.request.urlopen(demo.local_url, timeout=10) as resp:
            page = resp.read().decode()
        assert resp.status == 200 and "fonts.googleapis" not in page
        client = Client(demo.local_url, verbose=False)
        endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
        assert {"/ask", "/search", "/related"} <= set(endpoints)
        answer = client.predict(NOVER_Q, 5, api_name="/ask")
        assert "[1]" in answer["answer"] and answer["sources"][0]["n"] == 1 and answer["sources"][0]["quotes"]
        # Two questions at once are both answered (the queue runs them side by side).
        questions = [NOVER_Q, "How does TinyV reduce false negatives in verification?"]
        jobs = [client.submit(q, 5, api_name="/ask") for q in questions]
        answers = [job.result(timeout=180) for job in jobs]
        assert [a["question"] for a in answers] == questions and all("[1]" in a["answer"] for a in answers)
        hits = client.predict("verifier-free reinforcement learning", 3, api_name="/search")
        assert len(hits) == 3 and hits[0]["rank"] == 1 and hits[0]["title"]
        related = client.predict("NOVER", 2, api_name="/related")
        assert len(related) == 2 and 0 < related[0]["score"] <= 1 and related[0]["matched_passage"]["text"]
        with pytest.raises(Exception, match="empty"):
            client.predict("   ", api_name="/ask")
    finally:
        demo.close()


def test_serve_defaults_to_localhost_and_checks_auth(capsys):
    from ui.cli import build_parser, cmd_serve

    args = build_parser().parse_args(["serve"])
    assert (args.host, args.port, args.share, args.auth) == ("127.0.0.1", 7860, False, None)
    bad = build_parser().parse_args(["serve", "--auth", "nopassword"])
    assert cmd_serve(None, bad) == 2 and "USER:PASS" in capsys.readouterr().err


def test_theme_uses_no_font_cdn():
    from ui.app import theme

    assert theme()._stylesheets == []
