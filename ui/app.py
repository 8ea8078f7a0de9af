"""The Gradio web app: Ask (streamed, cited answers), Search, Related, Library. Rendering only; the
work is done by `rag.Library`. Markup is built in `ui.app_render`, which escapes all paper text.

`build_app(library)` makes the Blocks (tests build it on a temp index); `launch_app` serves it.
Conversations live in per-session `gr.State`, never in globals.
"""

from __future__ import annotations

import inspect
import queue
import shutil
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import gradio as gr

from rag import Library
from rag.answer import Answer
from rag.errors import PapersError
from rag.retrieval import Filters, Hit
from rag.settings import Settings
from rag.store import PaperRecord
from ui import app_render as R
from ui.app_uploads import UploadRejected, discard, local_pdf, store_upload, uploads_dir

ASSETS = Path(__file__).resolve().parent / "assets"
SYSTEM_FONTS = ["Inter", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"]
LIBRARY_HEADERS = ["Title", "Authors", "Year", "Source", "Pages", "Chunks", "Id"]
SEARCH_HEADERS = ["#", "Score", "Paper", "Where", "Passage"]
STREAM_PAUSE = 0.04  # seconds between streamed sentences: extractive answers are ready at once; let them read in
DEFAULT_CONCURRENCY = 2  # asks and searches at once (2 CPU cores); writes are serialised separately


def theme() -> gr.themes.Base:
    """Gradio's default look with system fonts only: nothing is fetched from a font CDN."""
    return gr.themes.Default(
        primary_hue="indigo", secondary_hue="slate", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=MONO_FONTS
    ).set(body_background_fill="*neutral_50", block_radius="10px")


def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


MAX_LISTED = 2000  # papers per picker and in the Library table (see PapersApp.listed)


class PapersApp:
    """The handlers behind the UI, one instance per app (no per-user state: that is in gr.State)."""

    def __init__(self, library: Library, *, serve_uploads: bool = True) -> None:
        self.library = library
        self.settings: Settings = library.settings
        self.serve_uploads = serve_uploads  # link uploaded PDFs through Gradio's file route
        self._catalogue: tuple[int, dict[str, PaperRecord]] | None = None

    # -- catalogue ---------------------------------------------------------------------------------------

    def records(self) -> dict[str, PaperRecord]:
        """id → record, re-read when the index revision changes (another tab or the CLI may write)."""
        try:
            revision = self.library.store.revision if self.library.store.exists() else -1
            if self._catalogue is None or self._catalogue[0] != revision:  # every write moves the revision
                self._catalogue = (revision, {p.id: p for p in self.library.papers()})
        except PapersError:
            return {}
        return self._catalogue[1]

    def listed(self) -> list[PaperRecord]:
        """The papers the pickers and the table carry: all of them up to MAX_LISTED, else the most recently
        added (each list is sent inside the page, and Gradio gives up on a page that takes 3 s to serve)."""
        return list(self.records().values())[-MAX_LISTED:]

    def paper_choices(self) -> list[tuple[str, str]]:
        """(label, id) pairs for dropdowns; the label is the one-line title, with the year."""
        choices = []
        for p in self.listed():
            year = f" ({p.year})" if p.year else ""
            choices.append((R.one_line(p.title, 90) + year, p.id))
        return choices

    def years(self) -> list[int]:
        return sorted({p.year for p in self.records().values() if p.year})

    def categories(self) -> list[str]:
        found = {str(c) for p in self.records().values() for c in p.extra.get("categories", []) or []}
        return sorted(found)

    def library_rows(self) -> list[list[Any]]:
        return [
            [
                R.one_line(p.title, 120),
                R.one_line(", ".join(p.authors), 80),
                p.year or "",
                p.source,
                p.pages or "",
                p.chunks,
                p.id,
            ]
            for p in self.listed()
        ]

    def stats_line(self) -> str:
        records = self.records()
        if not records:
            return "The library is empty: add PDFs in the **Library** tab (or run `papers ingest data/`)."
        chunks = sum(p.chunks for p in records.values())
        line = f"**{len(records)}** papers · **{chunks}** passages indexed"
        if len(records) > MAX_LISTED:
            line += f" · lists show the {MAX_LISTED} most recently added (`papers list` has all)"
        return line

    def example_questions(self, n: int = 4) -> list[str]:
        """Questions about papers that are really in the index, built from their titles."""
        named, plain = [], []
        for p in self.records().values():
            head, sep, _ = p.title.partition(":")
            if sep and 1 <= len(head.split()) <= 3 and len(head) <= 30:
                named.append(R.one_line(head))
            elif len(p.title) <= 70:
                plain.append(f"What does “{R.one_line(p.title)}” propose?")
        templates = ["How does {} work?", "What problem does {} address?", "What results does {} report?"]
        asked = [templates[i % len(templates)].format(name) for i, name in enumerate(named)]
        return (asked + plain)[:n]

    def links_for(self, hit: Hit) -> list[str]:
        record = self.records().get(hit.paper_id)
        arxiv_abs = None
        local = None
        if record is not None:
            arxiv_abs = record.extra.get("abs_url") or (
                f"https://arxiv.org/abs/{record.extra['arxiv_id']}" if record.extra.get("arxiv_id") else None
            )
            if self.serve_uploads and not R.safe_url(hit.url):
                path = local_pdf(self.settings.cache_dir, hit.paper_id)
                local = f"/gradio_api/file={R.quote_path(str(path))}" if path else None
        return R.hit_links(hit, local_pdf=local, arxiv_abs=arxiv_abs)

    @staticmethod
    def filters(papers: list[str] | None, year_min: Any, year_max: Any, categories: list[str] | None) -> Filters:
        def year(value: Any) -> int | None:
            text = str(value).strip() if value is not None else ""
            return int(text) if text.isdigit() else None

        return Filters(
            papers=list(papers or []),
            year_min=year(year_min),
            year_max=year(year_max),
            categories=list(categories or []),
        )

    def answer_modes(self) -> list[str]:
        return ["extractive", "llm"] if self.settings.llm_base_url else ["extractive"]

    # -- Ask ---------------------------------------------------------------------------------------------

    def ask(
        self,
        question: str,
        chat: list[dict[str, Any]] | None,
        history: list[list[str]] | None,
        turns: list[str] | None,
        k: int,
        mode: str,
        papers: list[str] | None,
        year_min: Any,
        year_max: Any,
        categories: list[str] | None,
    ) -> Iterator[tuple[list[dict[str, Any]], list[list[str]], list[str], str, str]]:
        """Stream one turn: the question at once, then the answer sentence by sentence, sources beside it.

        Yields (chat, history, turns, sources panel, question box)."""
        chat = list(chat or [])
        history = [list(pair) for pair in history or []]
        turns = list(turns or [])
        question = (question or "").strip()
        if not question:
            yield chat, history, turns, turns[-1] if turns else R.EMPTY_SOURCES, ""
            return
        turn = len(turns)
        chat.append({"role": "user", "content": R.md_text(question)})
        chat.append({"role": "assistant", "content": "*Searching the papers…*"})
        waiting = '<div class="panel"><p class="muted">Finding passages…</p></div>'
        yield chat, history, turns, waiting, ""
        request = {
            "k": int(k) if k else None,
            "filters": self.filters(papers, year_min, year_max, categories),
            "history": [(q, a) for q, a in history],
            "mode": mode or None,
        }
        answer: Answer | None = None
        try:
            if mode == "llm":  # stream the model's tokens as they come, then show the checked answer
                for partial in self._ask_streaming(question, request):
                    if isinstance(partial, str):
                        chat[-1] = {"role": "assistant", "content": R.md_text(partial)}
                        yield chat, history, turns, waiting, ""
                    else:
                        answer = partial
            else:
                answer = self.library.ask(question, **request)
        except PapersError as err:
            chat[-1] = {"role": "assistant", "content": R.md_text(str(err))}
            turns.append(R.EMPTY_SOURCES)
            history.append([question, str(err)])
            yield chat, history, turns, R.EMPTY_SOURCES, ""
            return
        assert answer is not None
        panel = R.sources_panel(answer, turn, self.links_for)
        turns.append(panel)
        parts = R.answer_markdown_parts(answer, turn)
        for i in range(1, len(parts) + 1):
            if i > 1 and mode != "llm":
                time.sleep(STREAM_PAUSE)
            chat[-1] = {"role": "assistant", "content": " ".join(parts[:i])}
            if i == len(parts):
                history.append([question, answer.to_dict()])  # the Answer's sources help resolve follow-ups
            yield chat, history, turns, panel, ""

    def _ask_streaming(self, question: str, request: dict[str, Any]) -> Iterator[str | Answer]:
        """Run `Library.ask` in a thread; yield the text so far as tokens arrive, then the Answer."""
        tokens: queue.Queue[str | None] = queue.Queue()
        outcome: list[Answer | BaseException] = []

        def work() -> None:
            try:
                outcome.append(self.library.ask(question, on_token=tokens.put, **request))
            except BaseException as exc:  # re-raised in the generator, in the request's thread
                outcome.append(exc)
            finally:
                tokens.put(None)

        threading.Thread(target=work, daemon=True).start()
        text = ""
        while (token := tokens.get()) is not None:
            text += token
            yield text
        if isinstance(outcome[0], BaseException):
            raise outcome[0]
        yield outcome[0]

    @staticmethod
    def show_turn(turns: list[str] | None, evt: gr.SelectData) -> str:
        """Clicking a message shows the sources of that turn (the [n] links of older answers point there)."""
        index = evt.index if isinstance(evt.index, int) else (evt.index or [0])[0]
        turns = turns or []
        turn = int(index) // 2
        return turns[turn] if 0 <= turn < len(turns) else (turns[-1] if turns else R.EMPTY_SOURCES)

    @staticmethod
    def clear_chat() -> tuple[list, list, list, str]:
        return [], [], [], R.EMPTY_SOURCES

    # -- Search ------------------------------------------------------------------------------------------

    def search(
        self, query: str, k: int, papers: list[str] | None, year_min: Any, year_max: Any, categories: list[str] | None
    ) -> tuple[list[list[Any]], list[str], str, str]:
        """Ranked passages → (table rows, their chunk ids, status line, context panel)."""
        try:
            hits = self.library.search(
                query or "", k=int(k) if k else None, filters=self.filters(papers, year_min, year_max, categories)
            )
        except PapersError as err:
            return [], [], R.md_text(str(err)), R.context_view([], "", self.links_for)
        status = f"{len(hits)} passages. Select a row to read it in context." if hits else "No passages match."
        context = self.context(hits[0].chunk_id) if hits else R.context_view([], "", self.links_for)
        return R.search_rows(hits), [h.chunk_id for h in hits], status, context

    def context(self, chunk_id: str) -> str:
        try:
            hits = self.library.neighbours(chunk_id, n=1)
        except PapersError as err:
            return f'<p class="muted">{R.esc(err)}</p>'
        return R.context_view(hits, chunk_id, self.links_for)

    def select_result(self, ids: list[str] | None, evt: gr.SelectData) -> str:
        row = evt.index[0] if isinstance(evt.index, (list, tuple)) else evt.index
        ids = ids or []
        if not isinstance(row, int) or not 0 <= row < len(ids):
            return R.context_view([], "", self.links_for)
        return self.context(ids[row])

    # -- Related -----------------------------------------------------------------------------------------

    def related(self, paper_id: str | None, k: int) -> str:
        if not paper_id:
            return '<p class="muted">Pick a paper to see the most similar ones in your library.</p>'
        try:
            record = self.library.resolve_paper(paper_id)
            results = self.library.related(paper_id, k=int(k or 5))
        except PapersError as err:
            return f'<p class="muted">{R.esc(err)}</p>'
        return R.related_view(record.title, results, self.links_for)

    # -- Library -----------------------------------------------------------------------------------------

    def add_files(self, files: list[Any] | None, progress=gr.Progress()) -> str:  # noqa: B008 (Gradio's idiom)
        """Store, check and ingest each uploaded file; report each one's outcome in place."""
        paths = [getattr(f, "name", f) for f in files or []]
        outcomes: list[tuple[str, str, str]] = []
        for i, path in enumerate(paths):
            name = Path(str(path)).name
            if progress is not None:
                progress((i, len(paths)), desc=f"Reading {R.one_line(name, 50)}")
            outcomes.append(self._add_one(str(path), name))
        if progress is not None and paths:
            progress((len(paths), len(paths)), desc="Done")
        return R.outcomes_view(outcomes) if outcomes else '<p class="muted">Choose one or more PDF files first.</p>'

    def _add_one(self, path: str, name: str) -> tuple[str, str, str]:
        try:
            stored = store_upload(path, name, self.settings.cache_dir, self.settings.max_download_bytes)
        except UploadRejected as err:
            return name, "failed", str(err)
        try:
            report = self.library.ingest([str(stored.path)])
        except PapersError as err:
            discard(stored)
            return name, "failed", str(err)
        if report.added:
            pid, title, n = report.added[0]
            return name, "added", f"{title} — {n} passages [{pid}]"
        if report.unchanged:
            pid, title = report.unchanged[0]
            return name, "unchanged", f"{title} [{pid}]"
        discard(stored)
        kind, entries = ("skipped", report.skipped) if report.skipped else ("failed", report.failed)
        reason = entries[0][1] if entries else "nothing could be read from it"
        return name, kind, reason

    def remove(self, paper_id: str | None) -> str:
        if not paper_id:
            return "Pick a paper to remove."
        try:
            record, n = self.library.remove(paper_id)
        except PapersError as err:
            return R.md_text(str(err))
        stored = local_pdf(self.settings.cache_dir, record.id)
        if stored is not None:
            shutil.rmtree(stored.parent, ignore_errors=True)
        return f"Removed **{R.md_text(R.one_line(record.title, 100))}** and its {n} passages."

    def add_arxiv(self, ref: str) -> str:
        """arXiv ids/URLs (space-separated) are fetched as such; any other text is a search (5 papers)."""
        add = getattr(self.library, "add_arxiv", None)
        ref = (ref or "").strip()
        if add is None or not ref:
            return R.outcomes_view([])
        from ingest.arxiv_ids import looks_like_arxiv_id

        tokens = ref.split()
        try:
            by_id = all(looks_like_arxiv_id(t) for t in tokens)
            report = add(tokens) if by_id else add(query=ref, max_results=5)
        except PapersError as err:
            return R.outcomes_view([(ref, "failed", str(err))])
        outcomes = [(pid, "added", f"{title} — {n} passages") for pid, title, n in report.added]
        outcomes += [(pid, "unchanged", title) for pid, title in report.unchanged]
        outcomes += [(src, "skipped", why) for src, why in report.skipped]
        outcomes += [(src, "failed", why) for src, why in report.failed]
        return R.outcomes_view(outcomes or [(ref, "skipped", "nothing found")])

    def refreshed(self) -> tuple:
        """New values for every paper list in the app, after a change to the library."""
        choices = self.paper_choices()
        return (
            gr.update(choices=choices),  # Ask/Search paper filter
            gr.update(choices=self.categories()),
            gr.update(choices=self.years()),
            gr.update(choices=self.years()),
            gr.update(choices=choices),  # Related picker
            gr.update(choices=choices, value=None),  # Remove picker
            self.library_rows(),
            self.stats_line(),
        )

    # -- JSON API (gradio_client and scripts) ------------------------------------------------------------

    def api_ask(
        self,
        question: str,
        k: int = 8,
        papers: list[str] | None = None,
        year_min: int | None = None,
        year_max: int | None = None,
        categories: list[str] | None = None,
        history: list[list[str]] | None = None,
        mode: str = "extractive",
    ) -> dict:
        """A cited answer as JSON: answer text with [n] markers, sentences, sources with quotes."""
        try:
            answer = self.library.ask(
                question,
                k=k,
                filters=self.filters(papers, year_min, year_max, categories),
                history=[(q, a) for q, a in history or []],
                mode=mode,
            )
        except PapersError as err:
            raise gr.Error(str(err)) from None
        return answer.to_dict()

    def api_search(
        self,
        query: str,
        k: int = 8,
        papers: list[str] | None = None,
        year_min: int | None = None,
        year_max: int | None = None,
        categories: list[str] | None = None,
    ) -> list[dict]:
        """Ranked passages as JSON (text, paper, section, pages, scores, url)."""
        try:
            hits = self.library.search(query, k=k, filters=self.filters(papers, year_min, year_max, categories))
        except PapersError as err:
            raise gr.Error(str(err)) from None
        return [{"rank": i, **asdict(h), "location": h.location} for i, h in enumerate(hits, 1)]

    def api_related(self, paper: str, k: int = 5) -> list[dict]:
        """Papers most similar to one in the library (id, arXiv id or unique title part), as JSON."""
        try:
            results = self.library.related(paper, k=k)
        except PapersError as err:
            raise gr.Error(str(err)) from None
        out = []
        for r in results:
            record = {key: v for key, v in asdict(r.paper).items() if key not in ("sections", "abstract")}
            out.append(
                {
                    "paper": record,
                    "score": r.score,
                    "query_passage": asdict(r.query_passage) if r.query_passage else None,
                    "matched_passage": asdict(r.matched_passage) if r.matched_passage else None,
                }
            )
        return out


def _typed(fn, name: str):
    """A plain function with the method's signature, its hints resolved (gr.api types the endpoint from them)."""
    signature = inspect.signature(fn, eval_str=True)

    def endpoint(*args, **kwargs):
        return fn(*args, **kwargs)

    endpoint.__name__ = endpoint.__qualname__ = name
    endpoint.__doc__ = fn.__doc__
    endpoint.__signature__ = signature  # type: ignore[attr-defined]
    endpoint.__annotations__ = {p.name: p.annotation for p in signature.parameters.values()}
    endpoint.__annotations__["return"] = signature.return_annotation
    return endpoint


INTRO = (
    "Ask a question about your papers: every sentence of the answer is quoted from one of them, and each "
    "**[n]** opens its passage in the Sources panel. New here? Try an example below, or add your PDFs in **Library**."
)


def build_app(library: Library, *, serve_uploads: bool = True) -> gr.Blocks:
    """The whole UI over one Library. Theme, CSS and the citation script are applied by `launch_app`."""
    app = PapersApp(library, serve_uploads=serve_uploads)
    choices = app.paper_choices()
    examples = app.example_questions()

    with gr.Blocks(
        title="papers — ask your research papers",
        delete_cache=(3600, 3600),
        analytics_enabled=False,
        fill_width=True,
    ) as demo:
        demo.papers_app = app  # type: ignore[attr-defined]  (tests reach the handlers through it)
        with gr.Row(elem_id="topbar"):
            gr.HTML(
                '<div class="brand"><span class="logo">papers</span>'
                '<span class="tagline">cited answers from your research library, on your machine</span></div>'
            )
            stats = gr.Markdown(app.stats_line(), elem_id="stats")

        with gr.Sidebar(label="Scope", open=True, width=300, elem_id="scope"):
            gr.Markdown("### Scope\nApplies to **Ask** and **Search**.")
            k = gr.Slider(1, 20, value=library.settings.top_k, step=1, label="Passages to read")
            mode = gr.Radio(
                app.answer_modes(),
                value="extractive",
                label="Answer mode",
                info="extractive: sentences quoted verbatim"
                + ("; llm: written by the model" if len(app.answer_modes()) > 1 else ""),
            )
            paper_filter = gr.Dropdown(choices, multiselect=True, label="Only these papers", value=[])
            with gr.Row():
                year_min = gr.Dropdown(app.years(), value=None, label="From year", allow_custom_value=True)
                year_max = gr.Dropdown(app.years(), value=None, label="To year", allow_custom_value=True)
            category_filter = gr.Dropdown(
                app.categories(), multiselect=True, label="Categories", value=[], allow_custom_value=True
            )
        scope = [k, paper_filter, year_min, year_max, category_filter]

        with gr.Tabs(elem_id="tabs"):
            with gr.Tab("Ask", id="ask", elem_id="tab-ask"):
                history = gr.State([])  # [(question, answer text)] of this session: follow-ups
                turns = gr.State([])  # sources panel HTML of each turn of this session
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3, min_width=420):
                        gr.Markdown(INTRO, elem_classes=["intro"])
                        chatbot = gr.Chatbot(
                            height=520,
                            label="Conversation",
                            show_label=False,
                            elem_id="chat",
                            latex_delimiters=[],
                            buttons=["copy"],
                            feedback_options=None,
                            placeholder=(
                                "**Ask anything your papers might answer.**<br>"
                                "Follow-up questions (“and how is it trained?”) use the conversation so far."
                            ),
                        )
                        with gr.Row(elem_id="ask-row"):
                            question = gr.Textbox(
                                placeholder="Ask a question about your papers…",
                                show_label=False,
                                lines=1,
                                max_lines=4,
                                scale=5,
                                elem_id="question",
                                autofocus=True,
                            )
                            ask_btn = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="ask-btn")
                            clear_btn = gr.Button("Clear", scale=1, min_width=80)
                        if examples:
                            gr.Examples(examples, inputs=[question], label="Try one of these", elem_id="examples")
                    with gr.Column(scale=2, min_width=340):
                        sources = gr.HTML(R.EMPTY_SOURCES, elem_id="sources", padding=False)
                ask_inputs = [question, chatbot, history, turns, k, mode, *scope[1:]]
                ask_outputs = [chatbot, history, turns, sources, question]
                for trigger in (question.submit, ask_btn.click):
                    trigger(
                        app.ask,
                        ask_inputs,
                        ask_outputs,
                        api_name="ui_ask",
                        api_visibility="private",
                        show_progress="minimal",
                        concurrency_id="read",
                    )
                chatbot.select(app.show_turn, [turns], [sources], api_visibility="private")
                clear_btn.click(app.clear_chat, None, [chatbot, history, turns, sources], api_visibility="private")

            with gr.Tab("Search", id="search", elem_id="tab-search"):
                with gr.Row(elem_id="search-row"):
                    query = gr.Textbox(
                        placeholder="keywords or a sentence, e.g. reward shaping for reasoning length",
                        show_label=False,
                        scale=5,
                        elem_id="query",
                    )
                    search_btn = gr.Button("Search", variant="primary", scale=1, min_width=100, elem_id="search-btn")
                status = gr.Markdown("", elem_classes=["muted"])
                result_ids = gr.State([])
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        results = gr.Dataframe(
                            headers=SEARCH_HEADERS,
                            datatype=["number", "number", "str", "str", "str"],
                            interactive=False,
                            wrap=True,
                            column_widths=["5%", "10%", "25%", "14%", "46%"],
                            max_height=640,
                            elem_id="results",
                            show_label=False,
                        )
                    with gr.Column(scale=2):
                        context = gr.HTML(R.context_view([], "", app.links_for), elem_id="context", padding=False)
                for trigger in (query.submit, search_btn.click):
                    trigger(
                        app.search,
                        [query, *scope],
                        [results, result_ids, status, context],
                        api_name="ui_search",
                        api_visibility="private",
                        concurrency_id="read",
                    )
                results.select(app.select_result, [result_ids], [context], api_visibility="private")

            with gr.Tab("Related", id="related", elem_id="tab-related"):
                gr.Markdown("Papers most similar to one you pick, with the passage pair that matched best.")
                with gr.Row():
                    related_pick = gr.Dropdown(choices, value=None, label="Paper", scale=4, elem_id="related-pick")
                    related_k = gr.Slider(1, 15, value=5, step=1, label="How many", scale=1)
                related_out = gr.HTML(app.related(None, 5), elem_id="related-out", padding=False)
                related_in = [related_pick, related_k]
                for trigger in (related_pick.change, related_k.release):
                    trigger(app.related, related_in, [related_out], api_name="ui_related", api_visibility="private")

            with gr.Tab("Library", id="library", elem_id="tab-library"):
                with gr.Row(equal_height=False):
                    with gr.Column(scale=3):
                        gr.Markdown("#### Add PDFs\nSeveral at once; each is checked, read and indexed locally.")
                        files = gr.File(
                            file_count="multiple", file_types=[".pdf"], label="PDF files", elem_id="upload", height=140
                        )
                        add_btn = gr.Button("Add to library", variant="primary", elem_id="add-btn")
                        outcomes = gr.HTML("", elem_id="outcomes", padding=False)
                        arxiv_box = None
                        if hasattr(library, "add_arxiv"):
                            with gr.Row():
                                arxiv_box = gr.Textbox(
                                    label="Add from arXiv",
                                    placeholder="arXiv ids or URLs (e.g. 2505.16022), or search words",
                                    scale=4,
                                )
                                arxiv_btn = gr.Button("Fetch", scale=1)
                    with gr.Column(scale=2):
                        gr.Markdown("#### Remove a paper")
                        remove_pick = gr.Dropdown(choices, value=None, label="Paper", elem_id="remove-pick")
                        remove_btn = gr.Button("Remove", variant="stop", elem_id="remove-btn")
                        removed = gr.Markdown("")
                papers_table = gr.Dataframe(
                    value=app.library_rows(),
                    headers=LIBRARY_HEADERS,
                    datatype=["str", "str", "number", "str", "number", "number", "str"],
                    interactive=False,
                    wrap=True,
                    column_widths=["34%", "24%", "6%", "7%", "6%", "7%", "16%"],
                    max_height=560,
                    label="Papers",
                    elem_id="papers-table",
                    show_search="filter",
                )

        refresh_outputs = [
            paper_filter,
            category_filter,
            year_min,
            year_max,
            related_pick,
            remove_pick,
            papers_table,
            stats,
        ]

        def refresh() -> tuple:
            return app.refreshed()

        add_btn.click(
            app.add_files, [files], [outcomes], api_visibility="private", concurrency_id="write", concurrency_limit=1
        ).then(refresh, None, refresh_outputs, api_visibility="private").then(
            lambda: None, None, [files], api_visibility="private"
        )
        remove_btn.click(
            app.remove, [remove_pick], [removed], api_visibility="private", concurrency_id="write", concurrency_limit=1
        ).then(refresh, None, refresh_outputs, api_visibility="private")
        if arxiv_box is not None:
            arxiv_btn.click(
                app.add_arxiv, [arxiv_box], [outcomes], api_visibility="private", concurrency_id="write"
            ).then(refresh, None, refresh_outputs, api_visibility="private")
        demo.load(refresh, None, refresh_outputs, api_visibility="private")

        gr.api(_typed(app.api_ask, "ask"), api_name="ask", concurrency_id="read")
        gr.api(_typed(app.api_search, "search"), api_name="search", concurrency_id="read")
        gr.api(_typed(app.api_related, "related"), api_name="related", concurrency_id="read")
    return demo


def share_reachable(timeout: float = 4.0) -> str | None:
    """None when Gradio's share server can be reached, else why not (checked quickly, so no long hang)."""
    result: list[str | None] = [f"no answer within {timeout:.0f} s"]

    def probe() -> None:
        try:
            with socket.create_connection(("api.gradio.app", 443), timeout=timeout):
                result[0] = None
        except OSError as exc:
            result[0] = str(exc.strerror or exc)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return result[0]


def launch_app(
    library: Library,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    auth: tuple[str, str] | None = None,
    *,
    block: bool = True,
    quiet: bool = False,
    warm_up: bool = True,
) -> gr.Blocks:
    """Serve the app. With `block=False` it returns the running Blocks (call `.close()` to stop)."""
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    if share and not auth:
        say("papers: warning: --share without --auth lets anyone with the link read and change your library")
    if share:
        why = share_reachable()
        if why is not None:
            say(f"papers: no public link: Gradio's share server api.gradio.app:443 is unreachable ({why}); local only")
            share = False
    if warm_up:
        try:
            if library.papers():
                t0 = time.perf_counter()
                library.ask("What is this library about?")  # load the model, BM25 and answer path now
                say(f"papers: model loaded in {time.perf_counter() - t0:.1f} s")
        except PapersError:
            pass
    demo = build_app(library)
    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY)
    uploads = uploads_dir(library.settings.cache_dir)
    uploads.mkdir(parents=True, exist_ok=True)
    demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        auth=auth,
        prevent_thread_lock=True,
        theme=theme(),
        css=_asset("app.css"),
        head=f"<script>{_asset('app.js')}</script>",
        allowed_paths=[str(uploads)],
        max_file_size=library.settings.max_download_bytes,
        show_error=True,
        quiet=True,
        ssr_mode=False,
        mcp_server=False,
        footer_links=["api"],
    )
    if share and not demo.share_url:
        say("papers: no public link: Gradio could not open the share tunnel (see above); serving locally only")
    elif share:
        say(f"papers: public link {demo.share_url}")
    say(f"papers: serving {library.store.location} on {demo.local_url} (Ctrl+C to stop)")
    if block:
        try:
            demo.block_thread()
        finally:
            demo.close()
    return demo
