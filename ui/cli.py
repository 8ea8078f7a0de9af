"""`papers`: the command-line face of the engine. Arguments in, rendering out; the work is in `rag`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rag.answers.wording import phrase
from rag.text import page_label
from ui.escape import one_line, strip_controls
from ui.payloads import paper_detail, paper_summary
from ui.terminal import to_json, wrap

if TYPE_CHECKING:
    from rag import Library

EPILOG = """examples:
  papers ingest data/                       index every PDF / JSONL / BibTeX / digest under data/
  papers search "reward shaping for RL" -k 5
  papers ask "How does NOVER avoid an external verifier?"
  papers list
  papers related "NOVER"
  papers serve                              the web app on http://127.0.0.1:7860

Settings also come from PAPERS_* environment variables (e.g. PAPERS_INDEX_DIR)."""


def build_parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index", metavar="DIR", type=Path, help="index directory (env PAPERS_INDEX_DIR)")
    common.add_argument("--chroma-url", metavar="URL", help="use a Chroma server, e.g. http://127.0.0.1:8000")
    common.add_argument("--embed-model", metavar="NAME", help="sentence-transformers model name or path")
    _encoder_flags(common)
    common.add_argument("--debug", action="store_true", help="print the full traceback of unexpected errors")
    as_json = argparse.ArgumentParser(add_help=False)
    as_json.add_argument("--json", action="store_true", help="machine-readable output")
    reading = [common, as_json]

    parser = argparse.ArgumentParser(
        prog="papers",
        description="Local semantic search and cited answers over your research papers.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("ingest", parents=reading, help="add PDFs, folders, URLs, JSONL/BibTeX/digest files")
    p.add_argument("inputs", nargs="+", metavar="PATH", help="file, folder, list file or http(s) URL to a PDF")
    p.add_argument("--glob", help="which files of a folder to take, e.g. '**/*.pdf' (default: all known formats)")
    p.add_argument("--password", help="password for encrypted PDFs")
    p.add_argument("--chunk-size", type=int, help="chunk size in tokens (default 256)")
    p.add_argument("--chunk-overlap", type=int, help="overlap in tokens (default 32)")
    p.add_argument(
        "--ocr",
        choices=["auto", "always", "never"],
        help="OCR pages without a usable text layer (auto, the default), every page, or none",
    )
    p.add_argument("--ocr-lang", metavar="LANGS", help="tesseract languages, e.g. eng+deu (default eng)")

    p = sub.add_parser(
        "add",
        parents=reading,
        help="add arXiv papers (ids, a search query, or a category by date), PDFs included",
        description="Add arXiv papers by id (2505.16022, arxiv:2505.15966v2, an abs/pdf URL, astro-ph/0601001),"
        " by search query, or by category and submission dates. Other inputs (files, folders) go to ingest.",
    )
    p.add_argument("refs", nargs="*", metavar="ID", help="arXiv ids or URLs (files and folders work too)")
    p.add_argument("--arxiv-query", metavar="QUERY", help="arXiv search, e.g. 'ti:\"reward shaping\" AND cat:cs.LG'")
    p.add_argument("--arxiv-category", metavar="CAT", help="an arXiv category to follow, e.g. cs.CL")
    p.add_argument("--since", type=_date, help="with --arxiv-category: first submission day (YYYY-MM-DD)")
    p.add_argument("--until", type=_date, help="with --arxiv-category: last submission day (default today)")
    p.add_argument("--max", type=int, default=50, help="at most this many papers from a query/category")
    p.add_argument("--abstract-only", action="store_true", help="index the abstracts, skip the PDFs")

    p = sub.add_parser("search", parents=reading, help="ranked passages for a query")
    p.add_argument("query", help="keywords or a sentence")
    _retrieval_flags(p)

    p = sub.add_parser("ask", parents=reading, help="a cited answer to a question (--json: with per-sentence support)")
    p.add_argument("question", help="a question in your own words (any language)")
    _retrieval_flags(p)
    p.add_argument("--llm", action="store_true", help="LLM-written answer (needs PAPERS_LLM_BASE_URL)")
    p.add_argument(
        "--format", choices=["text", "json", "markdown"], help="markdown: the answer with numbered references"
    )
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write the answer to FILE instead of stdout")

    p = sub.add_parser(
        "chat", parents=reading, help="ask questions in a row; follow-ups use the previous turns (--json: a line each)"
    )
    _retrieval_flags(p)
    p.add_argument("--llm", action="store_true", help="LLM-written answers (needs PAPERS_LLM_BASE_URL)")

    sub.add_parser("list", parents=reading, help="papers in the index with chunk counts")

    p = sub.add_parser("show", parents=reading, help="a paper's metadata, sections and chunk counts")
    p.add_argument("paper", help="paper id, arXiv id, or a unique part of the title")

    p = sub.add_parser("related", parents=reading, help="papers most similar to a paper, an arXiv id or a PDF")
    p.add_argument("paper", help="paper id, arXiv id, unique part of the title, or a PDF path (not indexed)")
    p.add_argument("-k", type=int, default=5, help="how many papers (default 5)")
    _library_filter_flags(p)

    p = sub.add_parser("remove", parents=[common], help="remove a paper and all its chunks")
    p.add_argument("paper", help="paper id, arXiv id, or a unique part of the title")

    sub.add_parser(
        "reindex",
        parents=[common],
        help="re-embed the stored chunks (with --embed-model NAME: switch model); new collections, then swap",
    )

    sub.add_parser("stats", parents=reading, help="size and state of the index")

    p = sub.add_parser(
        "digest",
        parents=[common],
        help="a digest page: each paper with key takeaways quoted from it and cited",
        description="Fetch a day of an arXiv category (or a search) into the index, or take papers already in"
        " it (--indexed), and write a digest: title, authors, abstract, links, pages, and 3-6 key takeaways"
        " that are sentences quoted from the paper, cited to section and page.",
    )
    p.add_argument("--category", metavar="CAT", help="arXiv category, e.g. cs.CL (with --date)")
    p.add_argument("--date", type=_date, help="submission day YYYY-MM-DD (default today)")
    p.add_argument("--query", metavar="QUERY", help="an arXiv search instead of a category")
    p.add_argument("--max", type=int, default=50, help="at most this many papers (default 50)")
    p.add_argument("--abstract-only", action="store_true", help="do not download PDFs")
    p.add_argument("--indexed", action="store_true", help="papers already in the index (no fetching)")
    p.add_argument("--paper", action="append", default=[], help="with --indexed: only this paper (repeatable)")
    p.add_argument("--takeaways", type=int, default=6, help="at most this many takeaways per paper (3-6)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write FILE.md (and FILE.html)")
    p.add_argument("--format", choices=["md", "html", "both", "json"], help="default: md (both with -o)")
    p.add_argument("--lang", choices=["en", "zh"], default="en", help="the page's own words: English or Chinese")

    p = sub.add_parser("serve", parents=[common], help="the web app (Ask, Search, Related, Library)")
    p.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    p.add_argument("--share", action="store_true", help="also open a public *.gradio.live link (needs internet)")
    p.add_argument("--auth", metavar="USER:PASS", help="require this login (recommended with --share)")
    p.add_argument("--api-only", action="store_true", help="serve only the HTTP API (/api/v1/), not the web app")
    p.add_argument("--read-only", action="store_true", help="refuse every write (API ingest, app uploads, removal)")
    p.add_argument(
        "--watch", action="append", default=[], metavar="PATH", help="keep this folder synced meanwhile (repeatable)"
    )

    p = sub.add_parser(
        "mcp",
        parents=[common],
        help="a Model Context Protocol server for assistants (stdio, or --http PORT)",
        description="Serve the library to MCP clients (Claude Desktop, Cursor, VS Code, agents): tools search, ask,"
        " related, list_papers, get_paper, get_passage (and add, with --allow-writes); papers as papers://ID.",
    )
    p.add_argument("--http", type=int, metavar="PORT", help="streamable HTTP on PORT instead of stdio")
    p.add_argument("--host", default="127.0.0.1", help="with --http: interface to bind (default 127.0.0.1)")
    p.add_argument("--allow-writes", action="store_true", help="offer the `add` tool (arXiv ids, allowed files)")
    p.add_argument("--read-only", action="store_true", help="never write, even with --allow-writes")
    p.add_argument(
        "--allow-dir", action="append", type=Path, metavar="DIR", help="a folder whose PDFs tools may read (repeatable)"
    )

    p = sub.add_parser("doctor", parents=reading, help="check catalogue, chunks and BM25 agree (--repair fixes)")
    p.add_argument("--repair", action="store_true", help="fix what is found (takes the write lock)")

    p = sub.add_parser("page", parents=[common], help="render a page of a paper's PDF, a text highlighted, to PNG")
    p.add_argument("paper", help="paper id, arXiv id, or a unique part of the title")
    p.add_argument("page_number", type=int, metavar="PAGE", help="1-based page number")
    p.add_argument("--highlight", metavar="TEXT", help="text to find on the page and highlight")
    p.add_argument("--dpi", type=float, help="resolution (default 150, env PAPERS_PAGE_DPI)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", required=True, help="the PNG to write")

    p = sub.add_parser("cite", parents=[common], help="the papers' references as BibTeX or CSL-JSON")
    p.add_argument("papers", nargs="+", metavar="PAPER", help="paper ids, arXiv ids, or unique parts of titles")
    p.add_argument("--format", choices=["bibtex", "csl-json"], default="bibtex", help="default: bibtex")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write to FILE instead of stdout")
    p = sub.add_parser(
        "sync",
        parents=reading,
        help="make the index mirror folders (and a Zotero library): add new, update changed, remove gone",
        description="Mirror folders, .bib exports and Zotero libraries: new files are added, changed ones (by "
        "content hash) re-indexed, and papers whose file is gone removed. Unchanged files are not read again.",
    )
    _sync_flags(p)
    p.add_argument("--dry-run", action="store_true", help="print what would be added, updated and removed")
    p.add_argument("--yes", action="store_true", help="allow removing more than half of a folder's papers")

    p = sub.add_parser("watch", parents=reading, help="sync, then keep syncing whenever the folders change")
    _sync_flags(p)
    return parser


def _encoder_flags(p: argparse.ArgumentParser) -> None:
    """How the embedding model is fed (Settings.embed_*): for models that need a prefix or read Chinese."""
    p.add_argument(
        "--embed-query-prefix",
        metavar="TEXT",
        help="put before each question when it is embedded, e.g. 'query: ' (env PAPERS_EMBED_QUERY_PREFIX)",
    )
    p.add_argument(
        "--embed-passage-prefix",
        metavar="TEXT",
        help="put before each passage when it is embedded, e.g. 'passage: '; changing it needs `papers reindex`"
        " (env PAPERS_EMBED_PASSAGE_PREFIX)",
    )
    p.add_argument(
        "--embed-multilingual",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="the model reads Chinese: embed a Chinese question as written and translated (env"
        " PAPERS_EMBED_MULTILINGUAL)",
    )


def _sync_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("paths", nargs="*", metavar="PATH", help="folders (or single files, e.g. a .bib export)")
    p.add_argument(
        "--zotero", nargs="?", const="~/Zotero", metavar="DATA_DIR", help="a Zotero data directory (default ~/Zotero)"
    )
    p.add_argument("--collection", metavar="NAME", help="with --zotero: only this collection (and those inside it)")
    p.add_argument("--glob", help="which files of a folder to take, e.g. '**/*.pdf' (default: .pdf .jsonl .bib)")
    p.add_argument("--password", help="password for encrypted PDFs")


def _date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _retrieval_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument("-k", type=int, help="passages to retrieve (default 8)")
    p.add_argument("--mode", choices=["hybrid", "dense", "bm25"], help="retrieval mode (default hybrid)")
    p.add_argument("--paper", action="append", default=[], help="only this paper id (repeatable)")
    p.add_argument("--author", action="append", default=[], help="only papers with this author (repeatable)")
    p.add_argument("--year-min", type=int, help="only papers from this year on")
    p.add_argument("--year-max", type=int, help="only papers up to this year")
    p.add_argument("--category", action="append", default=[], help="only this arXiv category (repeatable)")
    p.add_argument("--source", action="append", default=[], help="only papers from this source (pdf, arxiv, …)")
    p.add_argument("--include-references", action="store_true", help="also search References sections")
    p.add_argument(
        "--rerank", action="store_true", default=None, help="rerank the top passages with PAPERS_RERANK_MODEL"
    )
    _library_filter_flags(p)


def _library_filter_flags(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--collection",
        action="append",
        default=[],
        help="only this Zotero collection, sub-collections too (repeatable)",
    )
    p.add_argument(
        "--tag", action="append", default=[], help="only papers with this Zotero tag or keyword (repeatable)"
    )


def settings_from(args: argparse.Namespace):
    from rag.settings import Settings

    overrides: dict[str, Any] = {}
    for flag, name in [
        ("index", "index_dir"),
        ("chroma_url", "chroma_url"),
        ("embed_model", "embed_model"),
        ("chunk_size", "chunk_size"),
        ("chunk_overlap", "chunk_overlap"),
        ("mode", "retrieval_mode"),
        ("rerank", "rerank"),
        ("read_only", "read_only"),
        ("allow_dir", "allowed_dirs"),
        ("ocr", "ocr"),
        ("ocr_lang", "ocr_lang"),
        ("embed_query_prefix", "embed_query_prefix"),
        ("embed_passage_prefix", "embed_passage_prefix"),
        ("embed_multilingual", "embed_multilingual"),
    ]:
        value = getattr(args, flag, None)
        if value is not None:
            overrides[name] = value
    return Settings(**overrides)


def filters_from(args: argparse.Namespace):
    from rag import Filters

    return Filters(
        papers=args.paper,
        authors=args.author,
        year_min=args.year_min,
        year_max=args.year_max,
        categories=args.category,
        sources=args.source,
        include_references=args.include_references,
        collections=args.collection,
        tags=args.tag,
    )


# -- commands -----------------------------------------------------------------------------------------


def _progress_bar(args: argparse.Namespace):
    from tqdm import tqdm

    bar = tqdm(desc="adding", unit="paper", file=sys.stderr, disable=args.json or not sys.stderr.isatty())

    def progress(what: str, done: int, total: int | None) -> None:
        bar.set_description(what)
        bar.total = total
        bar.n = done
        bar.refresh()

    return bar, progress


def cmd_ingest(lib: Library, args: argparse.Namespace) -> int:
    bar, progress = _progress_bar(args)
    report = lib.ingest(args.inputs, glob=args.glob, password=args.password, progress=progress)
    bar.close()
    return _print_report(lib, report, args)


def cmd_add(lib: Library, args: argparse.Namespace) -> int:
    if not (args.refs or args.arxiv_query or args.arxiv_category):
        raise _usage("give arXiv ids, --arxiv-query or --arxiv-category (see `papers add --help`)")
    if args.since and not args.arxiv_category:
        raise _usage("--since/--until go with --arxiv-category")
    bar, progress = _progress_bar(args)
    report = lib.add(
        args.refs,
        query=args.arxiv_query,
        category=args.arxiv_category,
        since=args.since,
        until=args.until,
        max_results=args.max,
        abstract_only=args.abstract_only,
        progress=progress,
    )
    bar.close()
    return _print_report(lib, report, args)


def _usage(message: str):
    from rag import PapersError

    return PapersError(message)


def _print_report(lib: Library, report, args: argparse.Namespace) -> int:
    if args.json:
        print(to_json(report))
    else:
        for pid, title, n in report.added:
            print(f"added      {one_line(title, 70)}  [{pid}] {n} chunks")
        for pid, title in report.unchanged:
            print(f"unchanged  {one_line(title, 70)}  [{pid}]")
        for source, reason in report.skipped:
            print(f"skipped    {one_line(source)}: {one_line(reason)}")
        for source, reason in report.failed:
            print(f"failed     {one_line(source)}: {one_line(reason)}")
        print(
            f"\n{len(report.added)} added ({report.chunks} chunks), {len(report.unchanged)} unchanged, "
            f"{len(report.skipped)} skipped, {len(report.failed)} failed — index: {lib.store.location}"
        )
    return 1 if report.failed else 0


def cmd_search(lib: Library, args: argparse.Namespace) -> int:
    hits = lib.search(args.query, k=args.k, filters=filters_from(args), mode=args.mode, rerank=args.rerank)
    if args.json:
        print(to_json(hits))
        return 0
    if not hits:
        print("No passages match.")
    for rank, hit in enumerate(hits, 1):
        where = f" — {hit.location}" if hit.location else ""
        print(f"{rank:>2}. {one_line(hit.title, 90)}{where}  (score {hit.score:.3f})")
        print(wrap(hit.text[:400] + ("…" if len(hit.text) > 400 else "")))
    return 0


def cmd_ask(lib: Library, args: argparse.Namespace) -> int:
    answer = lib.ask(
        args.question, k=args.k, filters=filters_from(args), mode="llm" if args.llm else None, on_token=_streamer()
    )
    form = args.format or ("json" if args.json else "text")
    if form == "text" and not args.output:
        print_answer(answer)
        return 0
    if form == "json":
        text = to_json(answer.to_dict()) + "\n"
    elif form == "markdown":
        from ui.answer_export import answer_markdown

        text = answer_markdown(answer.to_dict(), lib.paper)
    else:
        text = _captured(print_answer, answer)
    return _emit(text, args.output)


def _captured(render, *args: Any) -> str:
    import contextlib
    import io

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        render(*args)
    return buffer.getvalue()


def _emit(text: str, output: Path | None) -> int:
    """Print `text`, or write it to `output` and say where."""
    if output is None:
        print(text, end="" if text.endswith("\n") else "\n")
        return 0
    output.write_text(text, encoding="utf-8")
    print(f"wrote {output}", file=sys.stderr)
    return 0


def _streamer():
    """LLM tokens go to stderr as they arrive (on a terminal); the checked answer follows on stdout."""
    if not sys.stderr.isatty():
        return None
    return lambda piece: print(strip_controls(piece), end="", file=sys.stderr, flush=True)


def print_answer(answer) -> None:
    print(strip_controls(answer.text))
    if answer.refused:
        if answer.closest:
            print("\n" + phrase(answer.question, "closest"))
            for hit in answer.closest:
                print(f"  - {one_line(hit.title, 80)} — {hit.location}")
                print(wrap(f'"{hit.text[:300]}"', indent="      "))
        return
    flagged = [s for s in answer.sentences if not s.supported]
    if flagged:
        print("\nNot supported by the cited passages (check before relying on them):")
        for s in flagged:
            print(wrap(f"- {s.text} (support {s.support:.2f})", indent="  "))
    if answer.removed_citations:
        print(f"\n(removed citations to passages that were never given: {answer.removed_citations})")
    print("\n" + phrase(answer.question, "sources"))
    for source in answer.sources:
        hit = source.hit
        print(f"[{source.n}] {one_line(hit.title, 90)}" + (f" — {hit.location}" if hit.location else ""))
        for a, b in source.quotes:
            print(wrap(f'"{hit.text[a:b]}"', indent="      "))


def cmd_chat(lib: Library, args: argparse.Namespace) -> int:
    """A REPL: one question per line until EOF, a blank line or "exit"; works with piped stdin."""
    history: list = []
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print("? ", end="", flush=True)
        line = sys.stdin.readline()
        question = line.strip()
        if not line or not question or question.lower() in ("exit", "quit"):
            return 0
        answer = lib.ask(
            question, k=args.k, filters=filters_from(args), history=history, mode="llm" if args.llm else None
        )
        history.append((question, answer))
        if args.json:
            print(to_json(answer.to_dict()).replace("\n", " "))
            continue
        print(f"Q: {one_line(question)}")
        print_answer(answer)
        print()


def cmd_list(lib: Library, args: argparse.Namespace) -> int:
    papers = lib.papers()
    if args.json:
        print(to_json([paper_summary(p) for p in papers]))
        return 0
    for p in papers:
        year = p.year or "    "
        state = "" if p.state == "ready" else f"  ({p.state})"
        print(f"{p.chunks:>5} chunks  {year}  {one_line(p.title, 80)}  [{p.id}]{state}")
    print(f"\n{len(papers)} papers, {sum(p.chunks for p in papers)} chunks")
    return 0


def cmd_show(lib: Library, args: argparse.Namespace) -> int:
    paper, counts = lib.show(args.paper)
    if args.json:
        print(to_json(paper_detail(paper, counts)))
        return 0
    print(one_line(paper.title))
    print(f"  id:       {paper.id}")
    print(f"  authors:  {one_line(', '.join(paper.authors)) or '—'}")
    print(f"  year:     {paper.year or '—'}   source: {paper.source}   pages: {paper.pages or '—'}")
    if paper.url:
        print(f"  url:      {one_line(paper.url)}")
    for key, value in paper.extra.items():
        if isinstance(value, (str, int, float)) and len(str(value)) < 200:
            print(f"  {key + ':':<9} {one_line(str(value))}")
    print(f"  chunks:   {paper.chunks}   state: {paper.state}")
    print("  sections:")
    for section in paper.sections:
        pages = page_label(section.get("page_start") or None, section.get("page_end"))
        n = counts.get(section["title"], 0)
        print(f"    {one_line(section['title'] or '(untitled)', 60):<60} {pages:<10} {n:>3} chunks")
    return 0


def cmd_related(lib: Library, args: argparse.Namespace) -> int:
    from rag import Filters

    filters = Filters(collections=args.collection, tags=args.tag) if args.collection or args.tag else None
    results = lib.related(args.paper, k=args.k, filters=filters)
    if args.json:
        print(to_json(results))
        return 0
    if not results:
        print("No other papers in the index.")
    for rank, r in enumerate(results, 1):
        print(f"{rank:>2}. {one_line(r.paper.title, 90)}  (similarity {r.score:.3f})  [{r.paper.id}]")
        if r.query_passage and r.matched_passage:
            print(wrap(f'this:  "{r.query_passage.text[:200]}…"', indent="      "))
            print(wrap(f'match: "{r.matched_passage.text[:200]}…"', indent="      "))
    return 0


def cmd_remove(lib: Library, args: argparse.Namespace) -> int:
    record, n = lib.remove(args.paper)
    print(f"removed {one_line(record.title, 80)} [{record.id}] and its {n} chunks")
    return 0


def cmd_reindex(lib: Library, args: argparse.Namespace) -> int:
    before = lib.store.embed_model
    n = lib.reindex()
    print(f"reindexed {n} chunks: {before} → {lib.settings.embed_model} — index: {lib.store.location}")
    return 0


def cmd_stats(lib: Library, args: argparse.Namespace) -> int:
    stats = lib.stats()
    if args.json:
        print(to_json(stats))
        return 0
    for key, value in stats.items():
        print(f"{key:<12} {value}")
    return 0


def cmd_digest(lib: Library, args: argparse.Namespace) -> int:
    from rag.features.daily_digest import build_digest, fetch_papers, select_indexed
    from ui.daily_digest import scope_label, to_html, to_markdown

    if not (args.indexed or args.category or args.query):
        raise _usage("give --category CAT [--date D], --query QUERY, or --indexed (see `papers digest --help`)")
    if args.paper and not args.indexed:
        raise _usage("--paper goes with --indexed")
    scope = scope_label(args.lang, args.category, args.query)
    day = args.date.isoformat() if args.date else ""
    problems: list[tuple[str, str]] = []
    if args.indexed:
        records = select_indexed(lib, args.paper, category=args.category, day=args.date)
    else:
        if args.category and not args.date:
            from datetime import date

            day = date.today().isoformat()
        ids, report = fetch_papers(
            lib.indexer,
            category=args.category,
            day=args.date,
            query=None if args.category else args.query,
            max_results=args.max,
            abstract_only=args.abstract_only,
        )
        problems = report.failed + report.skipped
        records = [r for r in (lib.paper(i) for i in ids) if r is not None]
    if not records:
        why = "; ".join(f"{one_line(s)}: {one_line(r)}" for s, r in problems)
        where = f"{scope}" + (f" on {day}" if day else "")
        print(f"papers: no papers for a digest of {where}" + (f" ({why})" if why else ""), file=sys.stderr)
        return 1
    digest = build_digest(lib, records, scope=scope, day=day, max_takeaways=max(3, min(args.takeaways, 6)))
    digest.not_included = problems
    fmt = args.format or ("both" if args.output else "md")
    rendered = {
        "md": lambda d: to_markdown(d, args.lang),
        "html": lambda d: to_html(d, args.lang),
        "json": lambda d: to_json(d) + "\n",
    }
    formats = ["md", "html"] if fmt == "both" else [fmt]
    if not args.output:
        print(rendered[formats[0]](digest), end="")
        return 0
    for name in formats:
        target = args.output.with_suffix(f".{name}")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(rendered[name](digest), encoding="utf-8")
        print(f"wrote {target}")
    n_takeaways = sum(len(e.takeaways) for e in digest.entries)
    left_out = f", {len(problems)} not included" if problems else ""
    print(f"{len(digest.entries)} papers, {n_takeaways} takeaways{left_out}")
    return 0


def cmd_serve(lib: Library, args: argparse.Namespace) -> int:
    from ui.access import required_token
    from ui.http_api import api_routes, serve_api

    auth = None
    if args.auth:
        user, sep, password = args.auth.partition(":")
        if not sep or not user or not password:
            print("papers: error: --auth takes USER:PASS", file=sys.stderr)
            return 2
        auth = (user, password)
    token = required_token(lib.settings.api_token, args.host, args.share, _say)
    if args.api_only:
        serve_api(lib, host=args.host, port=args.port, token=token)
        return 0
    from ui.app import launch_app

    routes = api_routes(lib, host=args.host, token=token)
    watcher = _start_watching(lib, args.watch) if args.watch else None
    try:
        launch_app(lib, host=args.host, port=args.port, share=args.share, auth=auth, routes=routes)
    finally:
        if watcher:
            watcher.set()
    return 0


def cmd_mcp(lib: Library, args: argparse.Namespace) -> int:
    from ui.access import required_token
    from ui.mcp_server import serve_mcp

    if args.http is None:
        serve_mcp(lib, allow_writes=args.allow_writes)
        return 0
    token = required_token(lib.settings.api_token, args.host, False, _say)
    serve_mcp(lib, allow_writes=args.allow_writes, http=(args.host, args.http), token=token)
    return 0


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _start_watching(lib: Library, paths: list[str]):
    """`serve --watch`: a watcher thread beside the app; its events go to the Library tab's log."""
    import threading

    from rag.features.sync import folder_place
    from rag.features.watch import watch_places

    stop = threading.Event()
    places = [folder_place(p) for p in paths]
    lib.sync_log.places = [p.label for p in places]
    args = (lib, places, lib.sync_log.record, stop)
    threading.Thread(target=watch_places, args=args, name="papers-watch", daemon=True).start()
    return stop


def cmd_doctor(lib: Library, args: argparse.Namespace) -> int:
    report = lib.doctor(repair=args.repair)
    if args.json:
        print(to_json(report))
        return 0 if report.ok or args.repair else 1
    if report.writer:
        print(f"note: the index is being written by {one_line(report.writer)}; what follows may be transient")
    for problem in report.problems:
        print(f"problem    {problem.kind:<14} {one_line(problem.detail)}")
    for fix in report.repaired:
        print(f"repaired   {one_line(fix)}")
    print(f"\n{report.papers} papers, {report.chunks} chunks, revision {report.revision} — index: {report.location}")
    if report.ok:
        print("consistent: catalogue, chunks and BM25 agree")
        return 0
    if args.repair:
        return 0
    print("run `papers doctor --repair` to fix")
    return 1


def cmd_page(lib: Library, args: argparse.Namespace) -> int:
    from rag import PapersError
    from ui.page_image import PageUnavailable, render_page

    record = lib.resolve_paper(args.paper)
    path = lib.pdf_file(record)
    if path is None:
        raise PapersError(f"{record.id} has no PDF in the index (abstract only, or indexed before paths were kept)")
    rects: list[list[float]] = []
    if args.highlight:
        found = [h for h in lib.find_on_page(record, args.page_number, args.highlight) if h.page == args.page_number]
        if not found:
            print(f"papers: {args.highlight[:60]!r} not found on page {args.page_number}", file=sys.stderr)
        rects = [r for h in found for r in h.rects]
    try:
        rendered = render_page(path, args.page_number, rects, dpi=args.dpi or lib.settings.page_dpi, draw=True)
    except PageUnavailable as err:
        raise PapersError(str(err)) from None
    rendered.image.save(args.output, format="PNG")
    print(f"wrote {args.output} (page {rendered.page} of {rendered.pages}, {len(rects)} highlighted lines)")
    return 0 if rects or not args.highlight else 1


def cmd_cite(lib: Library, args: argparse.Namespace) -> int:
    from ui.bibliography import FORMATS

    records = list({r.id: r for r in (lib.resolve_paper(ref) for ref in args.papers)}.values())
    return _emit(FORMATS[args.format](records), args.output)


def _sync_places(args: argparse.Namespace) -> list:
    from rag.features.sync import folder_place, zotero_place

    if not args.paths and not args.zotero:
        raise _usage("give folders to sync, or --zotero [DATA_DIR] (see `papers sync --help`)")
    if args.collection and not args.zotero:
        raise _usage("--collection goes with --zotero")
    places = [folder_place(p, args.glob) for p in args.paths]
    if args.zotero:
        places.append(zotero_place(args.zotero, args.collection))
    return places


def cmd_sync(lib: Library, args: argparse.Namespace) -> int:
    bar, progress = _progress_bar(args)
    places = _sync_places(args)
    report = lib.sync(places, dry_run=args.dry_run, yes=args.yes, password=args.password, progress=progress)
    bar.close()
    _print_sync(report, args.json)
    return 1 if report.problems or report.held_back else 0


def cmd_watch(lib: Library, args: argparse.Namespace) -> int:
    from rag.features.watch import watch_places

    places = _sync_places(args)
    print(f"watching {', '.join(p.label for p in places)} (Ctrl-C stops)", flush=True)
    watch_places(lib, places, lambda report: _print_sync(report, args.json, quiet_when_idle=True))
    return 0


def _print_sync(report, as_json: bool, quiet_when_idle: bool = False) -> None:
    """A line per change and per problem, then a summary (a watcher prints nothing when nothing changed)."""
    from rag.features.sync import summary

    if quiet_when_idle and not (report.changed or report.problems or report.held_back):
        return
    if as_json:
        print(to_json(report).replace("\n", " ") if quiet_when_idle else to_json(report), flush=True)
        return
    lines = [f"would add  {one_line(label)}" for label in report.to_add if report.dry_run]
    lines += [f"would update {one_line(label)}" for label in report.to_update if report.dry_run]
    lines += [f"would remove {one_line(key)}" for key in report.to_remove if report.dry_run]
    lines += [f"added      {one_line(t, 70)}  [{pid}] {n} chunks" for pid, t, n in report.added]
    lines += [f"updated    {one_line(t, 70)}  [{pid}] {n} chunks" for pid, t, n in report.updated]
    lines += [f"removed    {one_line(t, 70)}  [{pid}]" for pid, t in report.removed]
    lines += [f"waiting    {one_line(label)} (still being written)" for label in report.waiting]
    lines += [f"problem    {one_line(s)}: {one_line(r)}" for s, r in report.problems]
    lines += [f"note       {one_line(s)}: {one_line(r)}" for s, r in report.notes]
    lines += [
        f"held back  removing {n} of the {m} papers of {one_line(place)} (more than the allowed share): "
        "check the folder, then rerun with --yes"
        for place, n, m in report.held_back
    ]
    for line in [*lines, summary(report)]:
        print(line, flush=True)


def _os_error(err: OSError, location: str) -> str:
    """One line for a failed read or write: what, where, and what to do."""
    import errno

    where = f" ({err.filename})" if getattr(err, "filename", None) else ""
    if err.errno == errno.ENOSPC:
        return (
            f"no space left on the device holding {location}{where}; free some space and run the same "
            "command again (papers already indexed are kept)"
        )
    if err.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
        return f"cannot write to {location}{where}: {err.strerror}; the index is read-only for this user"
    return f"{err.strerror or err}{where}"


COMMANDS = {
    "ingest": cmd_ingest,
    "add": cmd_add,
    "search": cmd_search,
    "ask": cmd_ask,
    "chat": cmd_chat,
    "list": cmd_list,
    "show": cmd_show,
    "related": cmd_related,
    "remove": cmd_remove,
    "stats": cmd_stats,
    "reindex": cmd_reindex,
    "serve": cmd_serve,
    "digest": cmd_digest,
    "doctor": cmd_doctor,
    "mcp": cmd_mcp,
    "page": cmd_page,
    "cite": cmd_cite,
    "sync": cmd_sync,
    "watch": cmd_watch,
}


def main(argv: list[str] | None = None) -> int:
    import errno

    args = build_parser().parse_args(argv)
    from rag import PapersError

    location = "the index"
    try:
        from rag import Library

        lib = Library(settings_from(args))
        location = lib.store.location
        return COMMANDS[args.command](lib, args)
    except PapersError as err:
        print(f"papers: error: {one_line(str(err))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("papers: interrupted; run the same command again to resume", file=sys.stderr)
        return 130
    except Exception as err:  # one line for the user; the traceback only with --debug
        if getattr(args, "debug", False):
            import traceback

            traceback.print_exc()
        if isinstance(err, OSError):
            print(f"papers: error: {one_line(_os_error(err, location))}", file=sys.stderr)
            return 2
        if _disk_full(location):  # a failed write on a full disk, whatever library reported it
            print(f"papers: error: {_os_error(OSError(errno.ENOSPC, 'no space'), location)}", file=sys.stderr)
            return 2
        hint = "" if getattr(args, "debug", False) else " (rerun with --debug for the traceback)"
        print(f"papers: internal error: {type(err).__name__}: {one_line(str(err), 300)}{hint}", file=sys.stderr)
        return 3


def _disk_full(location: str) -> bool:
    """Less than 5 MB left on the device holding the index (a local one): the likely cause of a failed write."""
    import shutil

    try:
        return shutil.disk_usage(location).free < 5_000_000
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
