"""`papers`: the command-line face of the engine. Arguments in, rendering out; the work is in `rag`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ui.render import one_line, safe, to_json, wrap

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

    parser = argparse.ArgumentParser(
        prog="papers",
        description="Local semantic search and cited answers over your research papers.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("ingest", parents=[common], help="add PDFs, folders, URLs, JSONL/BibTeX/digest files")
    p.add_argument("inputs", nargs="+", metavar="PATH", help="file, folder, list file or http(s) URL to a PDF")
    p.add_argument("--glob", help="which files of a folder to take, e.g. '**/*.pdf' (default: all known formats)")
    p.add_argument("--password", help="password for encrypted PDFs")
    p.add_argument("--chunk-size", type=int, help="chunk size in tokens (default 256)")
    p.add_argument("--chunk-overlap", type=int, help="overlap in tokens (default 32)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")

    p = sub.add_parser("search", parents=[common], help="ranked passages for a query")
    p.add_argument("query")
    _retrieval_flags(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("ask", parents=[common], help="a cited answer to a question")
    p.add_argument("question")
    _retrieval_flags(p)
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("list", parents=[common], help="papers in the index with chunk counts")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("show", parents=[common], help="a paper's metadata, sections and chunk counts")
    p.add_argument("paper", help="paper id, arXiv id, or a unique part of the title")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("related", parents=[common], help="papers most similar to a paper in the index")
    p.add_argument("paper", help="paper id, arXiv id, or a unique part of the title")
    p.add_argument("-k", type=int, default=5, help="how many papers (default 5)")
    p.add_argument("--json", action="store_true", help="machine-readable output")

    p = sub.add_parser("remove", parents=[common], help="remove a paper and all its chunks")
    p.add_argument("paper", help="paper id, arXiv id, or a unique part of the title")

    p = sub.add_parser("stats", parents=[common], help="size and state of the index")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    return parser


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
    ]:
        value = getattr(args, flag, None)
        if value is not None:
            overrides[name] = value
    return Settings(**overrides)


def filters_from(args: argparse.Namespace):
    from rag.retrieval import Filters

    return Filters(
        papers=args.paper,
        authors=args.author,
        year_min=args.year_min,
        year_max=args.year_max,
        categories=args.category,
        sources=args.source,
        include_references=args.include_references,
    )


# -- commands -----------------------------------------------------------------------------------------


def cmd_ingest(lib: Library, args: argparse.Namespace) -> int:
    from tqdm import tqdm

    bar = tqdm(desc="ingesting", unit="paper", file=sys.stderr, disable=args.json or not sys.stderr.isatty())

    def progress(what: str, done: int, total: int | None) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    report = lib.ingest(args.inputs, glob=args.glob, password=args.password, progress=progress)
    bar.close()
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
    hits = lib.search(args.query, k=args.k, filters=filters_from(args), mode=args.mode)
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
    answer = lib.ask(args.question, k=args.k, filters=filters_from(args))
    if args.json:
        print(to_json(answer.to_dict()))
        return 0
    print(safe(answer.text))
    if answer.refused:
        if answer.closest:
            print("\nClosest passages:")
            for hit in answer.closest:
                print(f"  - {one_line(hit.title, 80)} — {hit.location}")
                print(wrap(f'"{hit.text[:300]}"', indent="      "))
        return 0
    print("\nSources:")
    for source in answer.sources:
        hit = source.hit
        print(f"[{source.n}] {one_line(hit.title, 90)}" + (f" — {hit.location}" if hit.location else ""))
        for a, b in source.quotes:
            print(wrap(f'"{hit.text[a:b]}"', indent="      "))
    return 0


def cmd_list(lib: Library, args: argparse.Namespace) -> int:
    papers = lib.papers()
    if args.json:
        print(to_json([{k: v for k, v in vars(p).items() if k not in ("sections", "abstract")} for p in papers]))
        return 0
    for p in papers:
        year = p.year or "    "
        state = "" if p.state == "ready" else f"  ({p.state})"
        print(f"{p.chunks:>5} chunks  {year}  {one_line(p.title, 80)}  [{p.id}]{state}")
    print(f"\n{len(papers)} papers, {sum(p.chunks for p in papers)} chunks")
    return 0


def cmd_show(lib: Library, args: argparse.Namespace) -> int:
    lib.store.open_for_read(lib.settings.embed_model)
    paper = lib.resolve_paper(args.paper)
    counts = lib.section_chunk_counts(paper.id)
    if args.json:
        print(to_json({**vars(paper), "section_chunks": counts}))
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
        pages = ""
        if section.get("page_start"):
            pages = f"p. {section['page_start']}" + (
                f"-{section['page_end']}" if section.get("page_end") != section["page_start"] else ""
            )
        n = counts.get(section["title"], 0)
        print(f"    {one_line(section['title'] or '(untitled)', 60):<60} {pages:<10} {n:>3} chunks")
    return 0


def cmd_related(lib: Library, args: argparse.Namespace) -> int:
    results = lib.related(args.paper, k=args.k)
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


def cmd_stats(lib: Library, args: argparse.Namespace) -> int:
    stats = lib.stats()
    if args.json:
        print(to_json(stats))
        return 0
    for key, value in stats.items():
        print(f"{key:<12} {value}")
    return 0


COMMANDS = {
    "ingest": cmd_ingest,
    "search": cmd_search,
    "ask": cmd_ask,
    "list": cmd_list,
    "show": cmd_show,
    "related": cmd_related,
    "remove": cmd_remove,
    "stats": cmd_stats,
}


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    from rag.errors import PapersError

    try:
        from rag import Library

        lib = Library(settings_from(args))
        return COMMANDS[args.command](lib, args)
    except PapersError as err:
        print(f"papers: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("papers: interrupted; run the same command again to resume", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
