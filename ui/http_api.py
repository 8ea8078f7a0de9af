"""The HTTP API under /api/v1/: search, ask, related, papers, passages, ingest. Arguments in, JSON out.

A FastAPI app (FastAPI comes with Gradio) behind `ui.access.AccessGuard`, mounted beside the web app by
`papers serve`, or alone with `papers serve --api-only`. Its OpenAPI schema is /api/v1/openapi.json and
the interactive docs /api/v1/docs. Every error is `{"error": {"code": ..., "message": ...}}`.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from typing import Annotated, Any

from fastapi import FastAPI, File, Form, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.responses import JSONResponse
from starlette.routing import Mount
from starlette.types import ASGIApp

from rag import Library, PapersError
from rag.errors import BadQueryError, EmptyIndexError, IndexLockedError, UnavailableError
from ui.access import READ_ONLY, AccessDenied, AccessGuard, error_response, is_loopback, readable_ref
from ui.api_models import AskRequest, RelatedRequest, SearchRequest
from ui.app_uploads import UploadRejected, discard, store_upload
from ui.escape import one_line
from ui.payloads import hit_payload, hits_payload, paper_detail, paper_summary, plain, related_payload

PREFIX = "/api/v1"
_STATUS_CODES = {400: "bad_request", 404: "not_found", 405: "method_not_allowed", 413: "too_large"}
_PAPERS_ERRORS: list[tuple[type[PapersError], int, str]] = [
    (BadQueryError, 400, "bad_query"),
    (EmptyIndexError, 409, "empty_index"),
    (IndexLockedError, 409, "busy"),
    (UnavailableError, 503, "unavailable"),
]


def build_api(library: Library) -> FastAPI:
    """The API as a FastAPI app meant to be mounted at /api/v1 (see `api_routes`)."""
    settings = library.settings
    api = FastAPI(
        title="papers API",
        version="1",
        description="Search, cited answers and related work over your own research papers. Errors are "
        '`{"error": {"code", "message"}}`. Off loopback every call needs `Authorization: Bearer <token>`.',
    )

    @api.post("/search", summary="Ranked passages for a query")
    def search(body: SearchRequest) -> JSONResponse:
        filters = body.filters.to_filters() if body.filters else None
        hits = library.search(body.query, k=body.k, filters=filters, mode=body.mode)
        return JSONResponse({"query": body.query, "hits": plain(hits_payload(hits))})

    @api.post("/ask", summary="A cited answer (or a refusal naming what no paper covers)")
    def ask(body: AskRequest) -> JSONResponse:
        filters = body.filters.to_filters() if body.filters else None
        answer = library.ask(body.question, k=body.k, filters=filters, mode=body.mode)
        return JSONResponse(plain(answer))

    @api.post("/related", summary="Papers most similar to one (indexed, or an arXiv id)")
    def related(body: RelatedRequest) -> JSONResponse:
        ref = readable_ref(body.paper, settings.allowed_dirs)
        return JSONResponse({"paper": body.paper, "related": plain(related_payload(library.related(ref, k=body.k)))})

    @api.get("/papers", summary="Every paper in the index (without abstracts and sections)")
    def papers() -> JSONResponse:
        return JSONResponse({"papers": plain([paper_summary(p) for p in library.papers()])})

    @api.get("/papers/{paper:path}", summary="One paper: metadata, abstract, sections with pages and chunk counts")
    def paper(paper: str) -> JSONResponse:
        try:
            record, counts = library.show(paper)
        except (BadQueryError, EmptyIndexError):
            raise
        except PapersError as err:
            return error_response(404, "not_found", one_line(str(err)))
        return JSONResponse(plain(paper_detail(record, counts)))

    @api.get("/passages/{chunk_id:path}", summary="One passage by chunk id: its text, paper, section and pages")
    def passage(chunk_id: str) -> JSONResponse:
        try:
            hit = library.neighbours(chunk_id, 0)[0]
        except PapersError as err:
            return error_response(404, "not_found", one_line(str(err)))
        return JSONResponse(plain(hit_payload(hit)))

    @api.post("/ingest", summary="Add a PDF (multipart field `file`) or an arXiv paper (form field `arxiv_id`)")
    def ingest(
        file: Annotated[UploadFile | None, File(description="A PDF")] = None,
        arxiv_id: Annotated[str | None, Form(max_length=200, description="e.g. 2505.16022")] = None,
    ) -> JSONResponse:
        if settings.read_only:
            raise AccessDenied("read_only", READ_ONLY)
        if (file is None) == (not arxiv_id):
            return error_response(400, "bad_request", "send exactly one of: a PDF as `file`, or `arxiv_id`")
        if arxiv_id:
            ref = readable_ref(arxiv_id, [])
            from ingest.arxiv_ids import looks_like_arxiv_id

            if not looks_like_arxiv_id(ref):
                return error_response(400, "bad_request", f"{arxiv_id!r} is not an arXiv id")
            return JSONResponse(_report(library.add([ref])))
        return JSONResponse(_report(_ingest_upload(library, file)))

    _error_handlers(api)
    return api


def _report(report: Any) -> dict[str, Any]:
    return {**plain(report), "chunks": report.chunks}


def _ingest_upload(library: Library, file: UploadFile) -> Any:
    """The upload checked and stored as the web app stores one (`ui.app_uploads`), then ingested."""
    settings = library.settings
    settings.cache_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile(dir=settings.cache_dir, suffix=".upload") as temp:
        shutil.copyfileobj(file.file, temp)
        temp.flush()
        try:
            name = file.filename or "upload.pdf"
            stored = store_upload(temp.name, name, settings.cache_dir, settings.max_download_bytes)
        except UploadRejected as err:
            raise AccessDenied("bad_upload", f"{file.filename or 'upload'}: {err}", status=400) from None
    report = library.ingest([str(stored.path)])
    if not report.added and not report.unchanged:
        discard(stored)
    return report


def _error_handlers(api: FastAPI) -> None:
    @api.exception_handler(AccessDenied)
    async def denied(request: Request, err: AccessDenied) -> JSONResponse:
        return error_response(err.status, err.code, str(err))

    @api.exception_handler(PapersError)
    async def papers_error(request: Request, err: PapersError) -> JSONResponse:
        status, code = next(((s, c) for kind, s, c in _PAPERS_ERRORS if isinstance(err, kind)), (400, "bad_request"))
        return error_response(status, code, one_line(str(err)))

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, err: RequestValidationError) -> JSONResponse:
        problems = [f"{'.'.join(str(p) for p in e['loc'] if p != 'body') or 'body'}: {e['msg']}" for e in err.errors()]
        return error_response(422, "invalid_input", one_line("; ".join(problems), 500))

    @api.exception_handler(HTTPException)
    async def http_error(request: Request, err: HTTPException) -> JSONResponse:
        return error_response(err.status_code, _STATUS_CODES.get(err.status_code, "error"), str(err.detail))

    @api.exception_handler(Exception)
    async def crash(request: Request, err: Exception) -> JSONResponse:
        print(f"papers: API error: {type(err).__name__}: {one_line(str(err), 300)}", file=sys.stderr)
        return error_response(500, "internal", f"internal error ({type(err).__name__})")


def guarded_api(library: Library, *, host: str, token: str | None) -> ASGIApp:
    """The API behind the access guard, with this library's limits."""
    s = library.settings
    return AccessGuard(
        build_api(library),
        token=token,
        max_body=s.api_max_body_bytes,
        rate_limit=s.api_rate_limit,
        loopback=is_loopback(host),
        upload_max_body=s.max_download_bytes + 64_000,  # the PDF plus the multipart framing
    )


def api_routes(library: Library, *, host: str, token: str | None) -> list[Mount]:
    """The route that serves the API at /api/v1 inside another app (the Gradio one, or `serve_api`'s)."""
    return [Mount(PREFIX, app=guarded_api(library, host=host, token=token))]


def api_app(library: Library, *, host: str, token: str | None) -> Starlette:
    """The API alone, at /api/v1 (what `papers serve --api-only` serves)."""
    return Starlette(routes=api_routes(library, host=host, token=token))


def serve_api(library: Library, *, host: str, port: int, token: str | None) -> None:
    """`papers serve --api-only`: the API without the web app, until Ctrl+C."""
    import uvicorn

    app = api_app(library, host=host, token=token)
    print(f"papers: API on http://{host}:{port}{PREFIX}/ (docs: {PREFIX}/docs; Ctrl+C to stop)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning")
