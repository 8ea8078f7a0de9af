"""The handlers behind the web app: what each button, box and endpoint does, over one `Library`.
Rendering goes through `ui.app_render`, which escapes all paper text."""

from __future__ import annotations

import queue
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from ingest.refs import split_refs
from rag import Filters, Hit, Library, PaperRecord, PapersError, Settings
from rag.answers.types import Answer
from ui import app_render as R
from ui.access import READ_ONLY, AccessDenied, readable_ref
from ui.app_text import LABELS, framing, page_language, say, t, table
from ui.app_uploads import UploadRejected, discard, local_pdf, store_upload
from ui.page_view import PageView
from ui.payloads import hits_payload, related_payload

STREAM_PAUSE = 0.04  # seconds between streamed sentences: extractive answers are ready at once; let them read in
MAX_LISTED = 2000  # papers per picker and in the Library table (see PapersApp.listed)


class PapersApp:
    """The handlers behind the UI, one instance per app (no per-user state: that is in gr.State)."""

    def __init__(self, library: Library, *, serve_uploads: bool = True) -> None:
        self.library = library
        self.settings: Settings = library.settings
        self.serve_uploads = serve_uploads  # link uploaded PDFs through Gradio's file route
        self._catalogue: tuple[int, dict[str, PaperRecord]] | None = None
        self.pages = PageView(self.records, self.links_for, self.settings.page_dpi)  # the Ask tab's page view

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
        return self._extra_names("categories")

    def collections(self) -> list[str]:
        """The Zotero collections the index holds papers of (parents included, as the filter matches them)."""
        return self._extra_names("collections")

    def tags(self) -> list[str]:
        """The Zotero tags and BibTeX keywords of the indexed papers."""
        return self._extra_names("tags")

    def _extra_names(self, key: str) -> list[str]:
        found = {str(n) for p in self.records().values() for n in p.extra.get(key, []) or []}
        return sorted(found, key=str.lower)

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
            return str(t("library_empty"))
        chunks = sum(p.chunks for p in records.values())
        size = t("library_size_capped" if len(records) > MAX_LISTED else "library_size")
        return f"{size} **{len(records)}** · **{chunks}**"  # one phrase: the page translates only the first

    def example_questions(self, n: int = 4, lang: str = "en") -> list[str]:
        """Questions about papers that are really in the index, built from their titles, asked in `lang`
        (names and titles stay as the papers write them)."""
        named, plain = [], []
        for p in self.records().values():
            head, sep, _ = p.title.partition(":")
            if sep and 1 <= len(head.split()) <= 3 and len(head) <= 30:
                named.append(R.one_line(head))
            elif len(p.title) <= 70:
                plain.append(say("example_proposes", lang, title=R.one_line(p.title)))
        templates = ["example_how", "example_problem", "example_results"]
        asked = [say(templates[i % len(templates)], lang, name=name) for i, name in enumerate(named)]
        return (asked + plain)[:n]

    def links_for(self, hit: Hit, lang: str = "en") -> list[str]:
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
        return R.hit_links(hit, local_pdf=local, arxiv_abs=arxiv_abs, lang=lang)

    @staticmethod
    def filters(
        papers: list[str] | None,
        year_min: Any,
        year_max: Any,
        categories: list[str] | None,
        collections: list[str] | None = None,
        tags: list[str] | None = None,
    ) -> Filters:
        """The sidebar's (or the API's) choices as the Filters the CLI and HTTP API build too; empty = all."""

        def year(value: Any) -> int | None:
            text = str(value).strip() if value is not None else ""
            return int(text) if text.isdigit() else None

        return Filters(
            papers=list(papers or []),
            year_min=year(year_min),
            year_max=year(year_max),
            categories=list(categories or []),
            collections=list(collections or []),
            tags=list(tags or []),
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
        collections: list[str] | None = None,
        tags: list[str] | None = None,
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
        chat.append({"role": "user", "content": R.md_literal(question)})
        chat.append({"role": "assistant", "content": framing(question, "searching")})
        waiting = f'<div class="panel"><p class="muted">{R.esc(framing(question, "finding"))}</p></div>'
        yield chat, history, turns, waiting, ""
        request = {
            "k": int(k) if k else None,
            "filters": self.filters(papers, year_min, year_max, categories, collections, tags),
            "history": [(q, a) for q, a in history],
            "mode": mode or None,
        }
        answer: Answer | None = None
        try:
            if mode == "llm":  # stream the model's tokens as they come, then show the checked answer
                for partial in self._ask_streaming(question, request):
                    if isinstance(partial, str):
                        chat[-1] = {"role": "assistant", "content": R.md_literal(partial)}
                        yield chat, history, turns, waiting, ""
                    else:
                        answer = partial
            else:
                answer = self.library.ask(question, **request)
        except PapersError as err:
            chat[-1] = {"role": "assistant", "content": R.md_literal(str(err))}
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

    # -- exports of the last answer ----------------------------------------------------------------------

    def export_answer(
        self, history: list[list[Any]] | None, lang: str = "", request: gr.Request | None = None
    ) -> str | None:
        """The last answer as a Markdown file with numbered references (None before any answer)."""
        from ui.answer_export import answer_markdown

        answer = _last_answer(history)
        if answer is None:
            gr.Warning(say("export_ask_first", page_language(lang, request)))
            return None
        return _export_file("answer.md", answer_markdown(answer, self.library.paper))

    def export_bibtex(
        self, history: list[list[Any]] | None, lang: str = "", request: gr.Request | None = None
    ) -> str | None:
        """The papers the last answer cites, as a BibTeX file."""
        from ui.bibliography import to_bibtex

        answer = _last_answer(history)
        ids = list(dict.fromkeys(s["paper_id"] for s in answer.get("sources", []))) if answer else []
        records = [r for r in (self.library.paper(i) for i in ids) if r is not None]
        if not records:
            gr.Warning(say("export_no_cited", page_language(lang, request)))
            return None
        return _export_file("references.bib", to_bibtex(records))

    # -- Search ------------------------------------------------------------------------------------------

    def search(
        self,
        query: str,
        k: int,
        papers: list[str] | None,
        year_min: Any,
        year_max: Any,
        categories: list[str] | None,
        collections: list[str] | None = None,
        tags: list[str] | None = None,
        lang: str = "",
        request: gr.Request | None = None,
    ) -> tuple[list[list[Any]], list[str], str, str]:
        """Ranked passages → (table rows, their chunk ids, status line, context panel)."""
        lang = page_language(lang, request)
        try:
            scope = self.filters(papers, year_min, year_max, categories, collections, tags)
            hits = self.library.search(query or "", k=int(k) if k else None, filters=scope)
        except PapersError as err:
            return table("search", [], lang), [], R.md_literal(str(err)), R.context_view([], "", self.links_for)
        key = "within" if collections and tags else "within_collection" if collections else "within_tag"
        within = say(key, lang, collections=", ".join(collections or []), tags=", ".join(tags or []))
        status = say("passages_found", lang, n=len(hits)) + (within if collections or tags else "")
        status = status if hits else say("no_passages", lang)
        context = self.context(hits[0].chunk_id) if hits else R.context_view([], "", self.links_for)
        return table("search", R.search_rows(hits), lang), [h.chunk_id for h in hits], status, context

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

    def related(
        self,
        paper_id: str | None,
        k: int,
        collections: list[str] | None = None,
        tags: list[str] | None = None,
        lang: str = "",
        request: gr.Request | None = None,
    ) -> str:
        """The papers most like `paper_id`, only among those in `collections` / with `tags` when given."""
        if not paper_id:
            return f'<p class="muted">{t("pick_related")}</p>'
        try:
            record = self.library.resolve_paper(paper_id)
            scope = self.filters(None, None, None, None, collections, tags) if collections or tags else None
            results = self.library.related(paper_id, k=int(k or 5), filters=scope)
        except PapersError as err:
            return f'<p class="muted">{R.esc(err)}</p>'
        return R.related_view(record.title, results, self.links_for, page_language(lang, request))

    # -- Library -----------------------------------------------------------------------------------------

    def add_files(
        self,
        files: list[Any] | None,
        lang: str = "",
        request: gr.Request | None = None,
        progress=gr.Progress(),  # noqa: B008 (Gradio's idiom)
    ) -> str:
        """Store, check and ingest each uploaded file; report each one's outcome in place, in the page's
        language."""
        lang = page_language(lang, request)
        paths = [getattr(f, "name", f) for f in files or []]
        if self.settings.read_only:
            return R.outcomes_view([(Path(str(p)).name, "failed", READ_ONLY) for p in paths], lang)
        outcomes: list[tuple[str, str, str]] = []
        for i, path in enumerate(paths):
            name = Path(str(path)).name
            if progress is not None:
                progress((i, len(paths)), desc=say("reading", lang, name=R.one_line(name, 50)))
            outcomes.append(self._add_one(str(path), name, lang))
        if progress is not None and paths:
            progress((len(paths), len(paths)), desc=say("done", lang))
        return R.outcomes_view(outcomes, lang) if outcomes else f'<p class="muted">{say("choose_files", lang)}</p>'

    def _add_one(self, path: str, name: str, lang: str = "en") -> tuple[str, str, str]:
        try:
            stored = store_upload(path, name, self.settings.cache_dir, self.settings.max_download_bytes)
        except UploadRejected as err:
            return name, "failed", say(f"upload_{err.reason}", lang, **err.values)
        try:
            report = self.library.ingest([str(stored.path)])
        except PapersError as err:
            discard(stored)
            return name, "failed", str(err)
        if report.added:
            pid, title, n = report.added[0]
            return name, "added", say("added_detail", lang, title=title, n=n) + f" [{pid}]"
        if report.unchanged:
            pid, title = report.unchanged[0]
            return name, "unchanged", f"{title} [{pid}]"
        discard(stored)
        kind, entries = ("skipped", report.skipped) if report.skipped else ("failed", report.failed)
        reason = entries[0][1] if entries else say("unreadable", lang)
        return name, kind, reason

    def remove(self, paper_id: str | None, lang: str = "", request: gr.Request | None = None) -> str:
        lang = page_language(lang, request)
        if not paper_id:
            return say("pick_remove", lang)
        if self.settings.read_only:
            return R.md_literal(READ_ONLY)
        try:
            record, n = self.library.remove(paper_id)
        except PapersError as err:
            return R.md_literal(str(err))
        stored = local_pdf(self.settings.cache_dir, record.id)
        if stored is not None:
            shutil.rmtree(stored.parent, ignore_errors=True)
        return say("removed", lang, title=R.md_literal(R.one_line(record.title, 100)), n=n)

    def add_arxiv(self, ref: str, lang: str = "", request: gr.Request | None = None) -> str:
        """arXiv ids/URLs (space-separated) are fetched as such; any other text is a search (5 papers).
        Nothing typed here is ever read as a path on the server."""
        lang = page_language(lang, request)
        ref = (ref or "").strip()
        if not ref:
            return R.outcomes_view([])
        if self.settings.read_only:
            return R.outcomes_view([(ref, "failed", READ_ONLY)], lang)
        tokens = ref.split()
        try:
            ids = split_refs(tokens).arxiv_ids
            by_id = len(ids) == len(tokens)
            add = self.library.add_arxiv
            report = add(ids) if by_id else add(query=ref, max_results=5)
        except PapersError as err:
            return R.outcomes_view([(ref, "failed", str(err))], lang)
        outcomes = [(pid, "added", say("added_detail", lang, title=title, n=n)) for pid, title, n in report.added]
        outcomes += [(pid, "unchanged", title) for pid, title in report.unchanged]
        outcomes += [(src, "skipped", why) for src, why in report.skipped]
        outcomes += [(src, "failed", why) for src, why in report.failed]
        return R.outcomes_view(outcomes or [(ref, "skipped", say("nothing_found", lang))], lang)

    def refreshed(self, lang: str = "") -> tuple:
        """New values for every paper list in the app, after a change to the library (the table's column
        names in the page's language)."""
        choices = self.paper_choices()
        return (
            gr.update(choices=choices),  # Ask/Search paper filter
            gr.update(choices=self.categories()),
            gr.update(choices=self.years()),
            gr.update(choices=self.years()),
            gr.update(choices=choices),  # Related picker
            gr.update(choices=choices, value=None),  # Remove picker
            table("library", self.library_rows(), page_language(lang)),
            self.stats_line(),
            gr.update(choices=self.collections()),
            gr.update(choices=self.tags()),
        )

    # -- folder sync (papers serve --watch) ----------------------------------------------------------------

    @property
    def watching(self) -> list[str]:
        """The folders a watcher beside the app keeps in sync (empty without --watch)."""
        return self.library.sync_log.places

    def sync_rows(self, lang: str = "en") -> list[list[str]]:
        """What the watcher did lately, newest first: time, added/updated/removed/problem, paper or input."""
        return [
            [when, say(f"sync_{what}", lang) if f"sync_{what}" in LABELS else what, text]
            for when, what, text in self.library.sync_log.rows()
        ]

    def sync_tick(self, seen: int | None, lang: str = "") -> tuple:
        """The timer's refresh: the log, and every paper list when the watcher changed something since."""
        lang = page_language(lang)
        events = self.library.sync_log.events
        lists = self.refreshed(lang) if events != (seen or 0) else tuple(gr.skip() for _ in range(10))
        return (table("sync", self.sync_rows(lang), lang), events, *lists)

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
        collections: list[str] | None = None,
        tags: list[str] | None = None,
    ) -> dict:
        """A cited answer as JSON: answer text with [n] markers, sentences, sources with quotes. `collections`
        and `tags` (Zotero's) limit the papers it may cite."""
        try:
            answer = self.library.ask(
                question,
                k=k,
                filters=self.filters(papers, year_min, year_max, categories, collections, tags),
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
        collections: list[str] | None = None,
        tags: list[str] | None = None,
    ) -> list[dict]:
        """Ranked passages as JSON (text, paper, section, pages, scores, url)."""
        try:
            scope = self.filters(papers, year_min, year_max, categories, collections, tags)
            hits = self.library.search(query, k=k, filters=scope)
        except PapersError as err:
            raise gr.Error(str(err)) from None
        return hits_payload(hits)

    def api_related(
        self, paper: str, k: int = 5, collections: list[str] | None = None, tags: list[str] | None = None
    ) -> list[dict]:
        """Papers most similar to one in the library (id, arXiv id or unique title part), as JSON; only
        papers in `collections` / with `tags` (Zotero's), when given."""
        try:
            scope = self.filters(None, None, None, None, collections, tags) if collections or tags else None
            results = self.library.related(readable_ref(paper, self.library.settings.allowed_dirs), k=k, filters=scope)
        except (PapersError, AccessDenied) as err:
            raise gr.Error(str(err)) from None
        return related_payload(results)


def _last_answer(history: list[list[Any]] | None) -> dict[str, Any] | None:
    """The last turn's answer as `Answer.to_dict()` stored it (None when there is none, or it was an error)."""
    for pair in reversed(history or []):
        if len(pair) > 1 and isinstance(pair[1], dict):
            return pair[1]
    return None


def _export_file(name: str, text: str) -> str:
    """Write an export into a fresh temporary folder (Gradio serves files from there) and return its path."""
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="papers-export-"))
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)
