"""`papers mcp`: the library as a Model Context Protocol server (the official `mcp` SDK's MCPServer).

Tools answer with structured content (the same JSON as the HTTP API and `--json`) and readable text with
the [n] citations; papers are resources `papers://ID`. Over stdio for desktop clients, or streamable HTTP
on 127.0.0.1 behind `ui.access.AccessGuard`. Writes (`add`) exist only with --allow-writes, and no tool
reads a file outside the folders given with --allow-dir.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, Literal, TypeVar

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from rag import Library, PapersError
from rag.text import page_label
from ui.access import AccessDenied, AccessGuard, is_loopback, readable_ref
from ui.api_models import MAX_K, FilterSpec
from ui.escape import one_line, strip_controls
from ui.payloads import hit_payload, hits_payload, paper_detail, paper_summary, plain, related_payload

F = TypeVar("F", bound=Callable[..., Any])
K = Annotated[int, Field(ge=1, le=MAX_K)]
READS = ToolAnnotations(read_only_hint=True, open_world_hint=False)

INSTRUCTIONS = """This server searches the user's own library of research papers (PDFs, arXiv papers, abstracts).
Prefer `ask` for a question that needs an answer: it returns sentences quoted from the papers, each with [n]
citations to the numbered sources, or says plainly that the papers do not answer it. Use `search` to find
passages, `related` for papers like a given one, `list_papers` / `get_paper` to browse, and `get_passage` to
read a cited passage (with its neighbours). Quote the [n] citations and sources when you relay an answer."""


PAPER_RESOURCE = "A paper of the library by id: title, authors, year, abstract, sections with pages."


def _tool_errors(fn: F) -> F:
    """The library's own errors (and refusals) reach the model as tool errors with their one-line message."""

    @wraps(fn)
    def call(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (PapersError, AccessDenied) as err:
            raise ToolError(one_line(str(err))) from None

    return call  # type: ignore[return-value]


def _result(text: str, data: dict[str, Any]) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=strip_controls(text))], structured_content=data)


def build_mcp(library: Library, *, allow_writes: bool = False) -> MCPServer:
    """The server with its tools and the papers:// resources (`add` only when writes are allowed)."""
    settings = library.settings
    server = MCPServer("papers", instructions=INSTRUCTIONS)

    @server.tool(annotations=READS)
    @_tool_errors
    def search(
        query: Annotated[str, Field(min_length=1, max_length=2000, description="Keywords or a sentence.")],
        k: K = 8,
        filters: FilterSpec | None = None,
        mode: Literal["hybrid", "dense", "bm25"] | None = None,
    ) -> CallToolResult:
        """Find the passages of the user's papers that best match a query (hybrid dense + BM25 by default).
        Returns ranked passages with paper, section, pages and chunk id; use `ask` instead for an answer."""
        hits = library.search(query, k=k, filters=filters.to_filters() if filters else None, mode=mode)
        lines = [f"{len(hits)} passages for {query!r}:"] + [
            f"{rank}. {one_line(h.title, 120)} — {h.location or 'abstract'} [chunk {h.chunk_id}]\n"
            f"   {one_line(h.text, 600)}"
            for rank, h in enumerate(hits, 1)
        ]
        return _result("\n".join(lines), {"query": query, "hits": plain(hits_payload(hits))})

    @server.tool(annotations=READS)
    @_tool_errors
    def ask(
        question: Annotated[str, Field(min_length=1, max_length=2000, description="A question, in any language.")],
        k: K | None = None,
        filters: FilterSpec | None = None,
    ) -> CallToolResult:
        """Answer a question from the user's papers only: every sentence is quoted from a paper and cites its
        source as [n]; the numbered sources give title, section, page and the quoted text. When the papers do
        not hold the answer it says so (refused: true) and shows the closest passages instead of guessing."""
        answer = library.ask(question, k=k, filters=filters.to_filters() if filters else None)
        return _result(_answer_text(answer), plain(answer))

    @server.tool(annotations=READS)
    @_tool_errors
    def related(
        paper: Annotated[str, Field(min_length=1, max_length=500, description="Paper id, arXiv id or title part.")],
        k: K = 5,
    ) -> CallToolResult:
        """Papers in the library most similar to a given paper (one in the library, or an arXiv id, fetched
        but not added), each with the pair of passages that matched best."""
        results = library.related(readable_ref(paper, settings.allowed_dirs), k=k)
        lines = [f"{len(results)} papers related to {paper!r}:"] + [
            f"{rank}. {one_line(r.paper.title, 120)} (similarity {r.score:.3f}) [{r.paper.id}]"
            for rank, r in enumerate(results, 1)
        ]
        return _result("\n".join(lines), {"paper": paper, "related": plain(related_payload(results))})

    @server.tool(annotations=READS)
    @_tool_errors
    def list_papers() -> CallToolResult:
        """Every paper in the library: id, title, authors, year, source and chunk count (ids work in the other
        tools' `paper` and `filters.papers` arguments, and as resources papers://ID)."""
        papers = library.papers()
        lines = [f"{len(papers)} papers:"] + [
            f"- {one_line(p.title, 120)} ({p.year or 'n.d.'}) [{p.id}], {p.chunks} chunks" for p in papers
        ]
        return _result("\n".join(lines), {"papers": plain([paper_summary(p) for p in papers])})

    @server.tool(annotations=READS)
    @_tool_errors
    def get_paper(
        paper: Annotated[str, Field(min_length=1, max_length=500, description="Paper id, arXiv id or title part.")],
    ) -> CallToolResult:
        """One paper's metadata, abstract and sections (with page ranges and chunk counts)."""
        record, counts = library.show(paper)
        return _result(_paper_text(record, counts), plain(paper_detail(record, counts)))

    @server.tool(annotations=READS)
    @_tool_errors
    def get_passage(
        chunk_id: Annotated[str, Field(min_length=1, max_length=300, description="A chunk id from search or ask.")],
        context: Annotated[int, Field(ge=0, le=3, description="Also this many passages either side.")] = 0,
    ) -> CallToolResult:
        """The full text of a passage by chunk id (as returned by `search` and in `ask` sources), with its
        paper, section and pages; `context` adds the passages before and after it in reading order."""
        hits = library.neighbours(chunk_id, context)
        hit = next(h for h in hits if h.chunk_id == chunk_id)
        text = f"{one_line(hit.title)} — {hit.location or 'abstract'}\n\n" + "\n\n".join(h.text for h in hits)
        return _result(text, {"passage": plain(hit_payload(hit)), "context": plain([hit_payload(h) for h in hits])})

    @server.resource("papers://{paper_id}", name="paper", mime_type="text/markdown", description=PAPER_RESOURCE)
    def paper_resource(paper_id: str) -> str:
        try:
            record, counts = library.show(paper_id)
        except PapersError as err:
            raise ResourceError(one_line(str(err))) from None
        return _paper_text(record, counts)

    if allow_writes and not settings.read_only:

        @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=True))
        @_tool_errors
        def add(
            ref: Annotated[str, Field(min_length=1, max_length=500, description="An arXiv id or an allowed path.")],
        ) -> CallToolResult:
            """Add a paper to the library: an arXiv id or URL (PDF fetched and indexed), or a PDF / folder inside
            the folders this server was allowed to read. Adding the same paper again changes nothing."""
            report = library.add([readable_ref(ref, settings.allowed_dirs)])
            lines = [f"added {one_line(t, 120)} [{pid}] ({n} chunks)" for pid, t, n in report.added]
            lines += [f"unchanged {one_line(t, 120)} [{pid}]" for pid, t in report.unchanged]
            lines += [f"not added {one_line(s)}: {one_line(r)}" for s, r in report.skipped + report.failed]
            return _result("\n".join(lines) or "nothing added", {**plain(report), "chunks": report.chunks})

    return server


def _answer_text(answer: Any) -> str:
    """The answer with [n] citations, then the numbered sources with what each quotes."""
    if answer.refused:
        lines = [answer.text]
        if answer.closest:
            lines += ["", "Closest passages (they do not answer it):"]
            lines += [f"- {one_line(h.title, 120)} — {h.location} [chunk {h.chunk_id}]" for h in answer.closest]
        return "\n".join(lines)
    lines = [answer.text, "", "Sources:"]
    for source in answer.sources:
        hit = source.hit
        lines.append(f"[{source.n}] {one_line(hit.title, 120)} — {hit.location or 'abstract'} [chunk {hit.chunk_id}]")
        lines += [f'    "{one_line(hit.text[a:b])}"' for a, b in source.quotes]
    return "\n".join(lines)


def _paper_text(record: Any, counts: dict[str, int]) -> str:
    lines = [f"# {one_line(record.title)}", "", f"- id: {record.id}"]
    lines.append(f"- authors: {one_line(', '.join(record.authors)) or 'unknown'}")
    lines.append(f"- year: {record.year or 'n.d.'}; source: {record.source}; pages: {record.pages or 'n/a'}")
    if record.url:
        lines.append(f"- url: {one_line(record.url)}")
    if record.abstract:
        lines += ["", "## Abstract", "", strip_controls(record.abstract)]
    if record.sections:
        lines += ["", "## Sections", ""]
        for section in record.sections:
            pages = page_label(section.get("page_start") or None, section.get("page_end"))
            title = one_line(section.get("title") or "(untitled)", 100)
            lines.append(f"- {title} {pages} ({counts.get(section.get('title', ''), 0)} chunks)".replace("  ", " "))
    return "\n".join(lines)


def serve_mcp(
    library: Library,
    *,
    allow_writes: bool = False,
    http: tuple[str, int] | None = None,
    token: str | None = None,
) -> None:
    """Run until the client disconnects (stdio) or Ctrl+C (HTTP, at http://HOST:PORT/mcp)."""
    server = build_mcp(library, allow_writes=allow_writes)
    if http is None:
        server.run("stdio")
        return
    import uvicorn

    host, port = http
    s = library.settings
    app = AccessGuard(
        server.streamable_http_app(host=host, max_request_body_size=s.api_max_body_bytes),
        token=token,
        max_body=s.api_max_body_bytes,
        rate_limit=s.api_rate_limit,
        loopback=is_loopback(host),
    )
    print(f"papers: MCP on http://{host}:{port}/mcp (Ctrl+C to stop)", file=sys.stderr, flush=True)
    uvicorn.run(app, host=host, port=port, log_level="warning")
