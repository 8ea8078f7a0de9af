"""The web app's layout: one small builder per tab, wired to the handlers of `ui.app_handlers`.

`build_app(library)` makes the Blocks (tests build it on a temp index); `ui.app.launch_app` serves it.
Conversations live in per-session `gr.State`, never in globals.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import Any

import gradio as gr

from rag import Library
from ui import app_render as R
from ui.app_handlers import PapersApp
from ui.app_text import t, table, with_language

LIBRARY_HEADERS = table("library", [], "en")["headers"]  # until the page's language is known
SEARCH_HEADERS = table("search", [], "en")["headers"]


@dataclass
class Scope:
    """The sidebar's controls, which Ask and Search read."""

    k: gr.Slider
    mode: gr.Radio
    papers: gr.Dropdown
    year_min: gr.Dropdown
    year_max: gr.Dropdown
    categories: gr.Dropdown
    collections: gr.Dropdown
    tags: gr.Dropdown

    @property
    def filters(self) -> list[Any]:
        return [self.papers, self.year_min, self.year_max, self.categories, self.collections, self.tags]


def _scope_sidebar(app: PapersApp, choices: list[tuple[str, str]]) -> Scope:
    with gr.Sidebar(label=t("scope"), open=True, width=300, elem_id="scope"):
        gr.Markdown(t("scope_help"))
        k = gr.Slider(1, 20, value=app.settings.top_k, step=1, label=t("passages_to_read"))
        mode = gr.Radio(
            app.answer_modes(),
            value="extractive",
            label=t("answer_mode"),
            info=t("answer_mode_info_llm" if len(app.answer_modes()) > 1 else "answer_mode_info"),
        )
        papers = gr.Dropdown(choices, multiselect=True, label=t("only_papers"), value=[])
        with gr.Row():
            year_min = gr.Dropdown(app.years(), value=None, label=t("from_year"), allow_custom_value=True)
            year_max = gr.Dropdown(app.years(), value=None, label=t("to_year"), allow_custom_value=True)
        categories = gr.Dropdown(
            app.categories(), multiselect=True, label=t("categories"), value=[], allow_custom_value=True
        )
        # Zotero's collections (sub-collections included) and tags; empty means the whole library
        collections = gr.Dropdown(
            app.collections(), multiselect=True, label=t("collections"), value=[], elem_id="scope-collections"
        )
        tags = gr.Dropdown(app.tags(), multiselect=True, label=t("tags"), value=[], elem_id="scope-tags")
    return Scope(k, mode, papers, year_min, year_max, categories, collections, tags)


def _ask_tab(app: PapersApp, scope: Scope, lang: gr.Textbox) -> None:
    examples = {code: app.example_questions(lang=code) for code in ("en", "zh")}
    with gr.Tab(t("tab_ask"), id="ask", elem_id="tab-ask"):
        history = gr.State([])  # [(question, answer text)] of this session: follow-ups
        turns = gr.State([])  # sources panel HTML of each turn of this session
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=420):
                gr.Markdown(t("intro"), elem_classes=["intro"])
                chatbot = gr.Chatbot(
                    height=520,
                    label=t("conversation"),
                    show_label=False,
                    elem_id="chat",
                    latex_delimiters=[],
                    buttons=["copy"],
                    feedback_options=None,
                    placeholder=t("chat_placeholder"),
                )
                with gr.Row(elem_id="ask-row"):
                    question = gr.Textbox(
                        placeholder=t("question_placeholder"),
                        show_label=False,
                        lines=1,
                        max_lines=4,
                        scale=5,
                        elem_id="question",
                        autofocus=True,
                    )
                    ask_btn = gr.Button(t("ask"), variant="primary", scale=1, min_width=90, elem_id="ask-btn")
                    clear_btn = gr.Button(t("clear"), scale=1, min_width=80)
                if examples["en"]:  # both sets are on the page; the style sheet shows the page language's
                    gr.Examples(examples["en"], inputs=[question], label=t("examples"), elem_id="examples")
                    gr.Examples(examples["zh"], inputs=[question], label=t("examples"), elem_id="examples-zh")
            with gr.Column(scale=2, min_width=340):
                page_view, shown = _page_view(app, history, lang)
                sources = gr.HTML(R.EMPTY_SOURCES, elem_id="sources", padding=False)
                with gr.Row(elem_id="exports"):
                    md_btn = gr.Button(t("export_md"), size="sm", elem_id="export-md")
                    bib_btn = gr.Button(t("export_bib"), size="sm", elem_id="export-bib")
                export = gr.File(label=t("export"), interactive=False, elem_id="export-file", height=80)
        for button, export_fn in ((md_btn, app.export_answer), (bib_btn, app.export_bibtex)):
            button.click(export_fn, [history, lang], [export], js=with_language(2), api_visibility="private")
        ask_inputs = [question, chatbot, history, turns, scope.k, scope.mode, *scope.filters]
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
        clear_btn.click(app.clear_chat, None, [chatbot, history, turns, sources], api_visibility="private").then(
            app.pages.cleared, None, [page_view, shown], api_visibility="private"
        )


def _page_view(app: PapersApp, history: gr.State, lang: gr.Textbox) -> tuple[gr.HTML, gr.State]:
    """The cited page: the page script puts 'turn:n' in a hidden box and clicks a hidden button."""
    from ui.page_view import EMPTY_PAGE

    shown = gr.State(None)  # {"turn", "n", "page", "pages"} of what the view shows
    view = gr.HTML(EMPTY_PAGE, elem_id="page-view", padding=False)
    with gr.Row(elem_id="page-nav"):
        prev_btn = gr.Button(t("prev_page"), size="sm", elem_id="page-prev")
        next_btn = gr.Button(t("next_page"), size="sm", elem_id="page-next")
    request = gr.Textbox(visible="hidden", elem_id="page-request")
    go = gr.Button("Show page", visible="hidden", elem_id="page-go")
    in_language = with_language(3)
    go.click(
        app.pages.show,
        [request, history, lang],
        [view, shown],
        js=in_language,
        api_visibility="private",
        concurrency_id="read",
    )
    prev_btn.click(app.pages.back, [shown, history, lang], [view, shown], js=in_language, api_visibility="private")
    next_btn.click(app.pages.forward, [shown, history, lang], [view, shown], js=in_language, api_visibility="private")
    return view, shown


def _search_tab(app: PapersApp, scope: Scope, lang: gr.Textbox) -> None:
    with gr.Tab(t("tab_search"), id="search", elem_id="tab-search"):
        with gr.Row(elem_id="search-row"):
            query = gr.Textbox(
                placeholder=t("search_placeholder"),
                show_label=False,
                scale=5,
                elem_id="query",
            )
            search_btn = gr.Button(t("search"), variant="primary", scale=1, min_width=100, elem_id="search-btn")
        status = gr.Markdown("", elem_classes=["muted"], elem_id="search-status")
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
        inputs = [query, scope.k, *scope.filters, lang]
        for trigger in (query.submit, search_btn.click):
            trigger(
                app.search,
                inputs,
                [results, result_ids, status, context],
                js=with_language(len(inputs)),
                api_name="ui_search",
                api_visibility="private",
                concurrency_id="read",
            )
        results.select(app.select_result, [result_ids], [context], api_visibility="private")


def _related_tab(app: PapersApp, choices: list[tuple[str, str]], scope: Scope, lang: gr.Textbox) -> gr.Dropdown:
    with gr.Tab(t("tab_related"), id="related", elem_id="tab-related"):
        gr.Markdown(t("related_help"))
        with gr.Row():
            pick = gr.Dropdown(choices, value=None, label=t("paper"), scale=4, elem_id="related-pick")
            k = gr.Slider(1, 15, value=5, step=1, label=t("how_many"), scale=1)
        out = gr.HTML(app.related(None, 5), elem_id="related-out", padding=False)
        inputs = [pick, k, scope.collections, scope.tags, lang]
        for trigger in (pick.change, k.release, scope.collections.change, scope.tags.change):
            trigger(
                app.related,
                inputs,
                [out],
                js=with_language(len(inputs)),
                api_name="ui_related",
                api_visibility="private",
            )
    return pick


@dataclass
class LibraryTab:
    files: gr.File
    add_btn: gr.Button
    outcomes: gr.HTML
    arxiv_box: gr.Textbox
    arxiv_btn: gr.Button
    remove_pick: gr.Dropdown
    remove_btn: gr.Button
    removed: gr.Markdown
    table: gr.Dataframe
    sync_log: gr.Dataframe | None = None  # with `papers serve --watch`: what the watcher did


def _library_tab(app: PapersApp, choices: list[tuple[str, str]]) -> LibraryTab:
    with gr.Tab(t("tab_library"), id="library", elem_id="tab-library"):
        with gr.Row(equal_height=False):
            with gr.Column(scale=3):
                gr.Markdown(t("add_pdfs"))
                files = gr.File(
                    file_count="multiple", file_types=[".pdf"], label=t("pdf_files"), elem_id="upload", height=140
                )
                add_btn = gr.Button(t("add_to_library"), variant="primary", elem_id="add-btn")
                outcomes = gr.HTML("", elem_id="outcomes", padding=False)
                with gr.Row():
                    arxiv_box = gr.Textbox(
                        label=t("add_from_arxiv"),
                        placeholder=t("arxiv_placeholder"),
                        scale=4,
                    )
                    arxiv_btn = gr.Button(t("fetch"), scale=1)
            with gr.Column(scale=2):
                gr.Markdown(t("remove_heading"))
                remove_pick = gr.Dropdown(choices, value=None, label=t("paper"), elem_id="remove-pick")
                remove_btn = gr.Button(t("remove"), variant="stop", elem_id="remove-btn")
                removed = gr.Markdown("")
        table = gr.Dataframe(
            value=app.library_rows(),
            headers=LIBRARY_HEADERS,
            datatype=["str", "str", "number", "str", "number", "number", "str"],
            interactive=False,
            wrap=True,
            column_widths=["34%", "24%", "6%", "7%", "6%", "7%", "16%"],
            max_height=560,
            label=t("papers"),
            elem_id="papers-table",
            show_search="filter",
        )
        sync_log = _sync_log(app)
    return LibraryTab(files, add_btn, outcomes, arxiv_box, arxiv_btn, remove_pick, remove_btn, removed, table, sync_log)


def _sync_log(app: PapersApp) -> gr.Dataframe | None:
    """With `papers serve --watch`: the watched folders and what was added, updated and removed."""
    if not app.watching:
        return None
    gr.Markdown(t("watched_folders") + "\n" + "\n".join(f"- `{place}`" for place in app.watching))
    return gr.Dataframe(
        value=app.sync_rows(),
        headers=table("sync", [], "en")["headers"],
        datatype=["str", "str", "str"],
        interactive=False,
        wrap=True,
        column_widths=["10%", "12%", "78%"],
        max_height=300,
        label=t("sync_log"),
        elem_id="sync-log",
    )


def _wire_library_changes(
    demo: gr.Blocks,
    app: PapersApp,
    scope: Scope,
    related_pick: gr.Dropdown,
    lib: LibraryTab,
    stats: gr.Markdown,
    lang: gr.Textbox,
) -> None:
    """Adding or removing papers refreshes every paper list of the page (and so does loading it)."""
    outputs = [
        scope.papers,
        scope.categories,
        scope.year_min,
        scope.year_max,
        related_pick,
        lib.remove_pick,
        lib.table,
        stats,
        scope.collections,
        scope.tags,
    ]

    def refresh(lang: str = "") -> tuple:
        return app.refreshed(lang)

    relisted = {"fn": refresh, "inputs": [lang], "outputs": outputs, "js": with_language(1)}

    def writes(button: gr.Button, fn, given: gr.components.Component, shown: gr.components.Component, **limit):
        """A write from the Library tab, its outcome in the page's language; then every list is refreshed."""
        return button.click(
            fn, [given, lang], [shown], js=with_language(2), api_visibility="private", concurrency_id="write", **limit
        ).then(**relisted, api_visibility="private")

    writes(lib.add_btn, app.add_files, lib.files, lib.outcomes, concurrency_limit=1).then(
        lambda: None, None, [lib.files], api_visibility="private"
    )
    writes(lib.remove_btn, app.remove, lib.remove_pick, lib.removed, concurrency_limit=1)
    writes(lib.arxiv_btn, app.add_arxiv, lib.arxiv_box, lib.outcomes)
    demo.load(**relisted, api_visibility="private")
    # The page's script clicks this when the language changes (Settings): the tables' columns follow.
    relabel = gr.Button("Relabel", visible="hidden", elem_id="page-lang-changed")
    relabel.click(**relisted, api_visibility="private")
    if lib.sync_log is not None:
        seen = gr.State(app.library.sync_log.events)
        gr.Timer(2.0).tick(
            app.sync_tick,
            [seen, lang],
            [lib.sync_log, seen, *outputs],
            js=with_language(2),
            api_visibility="private",
            show_progress="hidden",
        )


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


def build_app(library: Library, *, serve_uploads: bool = True) -> gr.Blocks:
    """The whole UI over one Library. Theme, CSS and the citation script are applied by `launch_app`."""
    app = PapersApp(library, serve_uploads=serve_uploads)
    choices = app.paper_choices()
    with gr.Blocks(
        title=t("title"),
        delete_cache=(3600, 3600),
        analytics_enabled=False,
        fill_width=True,
    ) as demo:
        demo.papers_app = app  # type: ignore[attr-defined]  (tests reach the handlers through it)
        with gr.Row(elem_id="topbar"):
            gr.HTML(
                f'<div class="brand"><span class="logo">papers</span><span class="tagline">{t("tagline")}</span></div>'
            )
            stats = gr.Markdown(app.stats_line(), elem_id="stats")
        # The page's language as the page shows it, filled in by each event that builds text (`with_language`).
        lang = gr.Textbox(visible="hidden", elem_id="page-lang")
        scope = _scope_sidebar(app, choices)
        with gr.Tabs(elem_id="tabs"):
            _ask_tab(app, scope, lang)
            _search_tab(app, scope, lang)
            related_pick = _related_tab(app, choices, scope, lang)
            library_tab = _library_tab(app, choices)
        _wire_library_changes(demo, app, scope, related_pick, library_tab, stats, lang)
        gr.api(_typed(app.api_ask, "ask"), api_name="ask", concurrency_id="read")
        gr.api(_typed(app.api_search, "search"), api_name="search", concurrency_id="read")
        gr.api(_typed(app.api_related, "related"), api_name="related", concurrency_id="read")
    return demo
