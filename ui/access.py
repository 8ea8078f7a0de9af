"""Who may use the HTTP API and MCP over HTTP, how much, and which local files any tool may read.

One guard (`AccessGuard`, an ASGI middleware) wraps both servers: a bearer token when one is set (always
when the server is reachable from other machines), a Host check against DNS rebinding on loopback, a body
size limit and a per-address rate limit. Refusals are JSON `{"error": {"code", "message"}}`, the same
shape the API's own errors take (`error_response`).
"""

from __future__ import annotations

import contextlib
import hmac
import ipaddress
import secrets
import time
from collections import defaultdict, deque
from collections.abc import Callable
from pathlib import Path

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ingest.arxiv_ids import looks_like_arxiv_id

READ_ONLY = "this library is served read-only (--read-only / PAPERS_READ_ONLY): nothing can be added or removed"
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1", "[::1]")
# Served without a token (the schema and its viewer); every call the schema describes needs one.
PUBLIC_PATHS = ("/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc")


class AccessDenied(Exception):
    """A request or a tool argument refused; `code` is machine-readable, the message says why in one line."""

    def __init__(self, code: str, message: str, status: int = 403) -> None:
        super().__init__(message)
        self.code, self.status = code, status


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    """The one shape of every error the API and the guard answer with."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


def is_loopback(host: str) -> bool:
    """True for an address (or `localhost`) only this machine can reach."""
    name = host.strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def required_token(configured: str | None, host: str, share: bool, say: Callable[[str], None]) -> str | None:
    """The token requests must carry: the configured one; else, off loopback or shared, a new one (printed)."""
    if configured:
        return configured
    if is_loopback(host) and not share:
        return None
    token = secrets.token_urlsafe(24)
    say(f"papers: API token (send as 'Authorization: Bearer <token>'): {token}")
    return token


def readable_ref(ref: str, allowed_dirs: list[Path]) -> str:
    """`ref` when it names no local file or URL (a paper id, a title, an arXiv id); the resolved path when it
    names a file or folder inside one of `allowed_dirs` and so does everything it leads to (a folder's files,
    a list file's entries); otherwise AccessDenied. Symlinks are resolved first, so a link inside an allowed
    folder to a file outside it is refused."""
    text = ref.strip()
    if "://" in text or text.lower().startswith("file:"):
        return _fetchable(text, ref)
    path = Path(text).expanduser()
    names_file = text.lower().endswith(".pdf") or text.startswith(("/", "~", ".", "\\")) or _exists(path)
    if not names_file:
        return text
    resolved = _inside(path, ref, allowed_dirs)
    if resolved.is_file() and resolved.suffix.lower() == ".pdf":
        return str(resolved)
    from ingest.models import SourceError
    from ingest.sources import expand_inputs

    for item in expand_inputs([str(resolved)]):
        if isinstance(item, SourceError):
            continue
        if "://" in item:
            _fetchable(item, f"{item} (in {ref})")
        else:
            _inside(Path(item), f"{item} (in {ref})", allowed_dirs)
    return str(resolved)


def _fetchable(url: str, named: str) -> str:
    if looks_like_arxiv_id(url):
        return url
    raise AccessDenied("path_not_allowed", f"{named!r}: only arXiv ids and links are fetched here, no other URL")


def _inside(path: Path, named: str, allowed_dirs: list[Path]) -> Path:
    resolved = path.resolve()
    for folder in allowed_dirs:
        if resolved.is_relative_to(folder.expanduser().resolve()):
            return resolved
    where = ", ".join(str(d) for d in allowed_dirs) or "none: see --allow-dir"
    raise AccessDenied("path_not_allowed", f"{named!r} is outside the folders this server may read ({where})")


def _exists(path: Path) -> bool:
    try:
        return path.exists()
    except (OSError, ValueError):
        return False


class _TooLarge(Exception):
    pass


class AccessGuard:
    """ASGI middleware in front of the API or the MCP endpoint (lifespan and other scopes pass through)."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        token: str | None,
        max_body: int,
        rate_limit: int,
        loopback: bool,
        upload_max_body: int | None = None,
    ) -> None:
        self.app, self.token, self.max_body, self.rate_limit = app, token, max_body, rate_limit
        self.loopback = loopback
        self.upload_max_body = upload_max_body or max_body
        self._calls: dict[str, deque[float]] = defaultdict(deque)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await refusal(scope, receive, send)
            return
        headers = _headers(scope)
        limit = self.upload_max_body if headers.get("content-type", "").startswith("multipart/") else self.max_body
        declared = headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        started = exceeded = False
        seen = 0

        async def counted_receive() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                exceeded = True
                raise _TooLarge
            return message

        async def watched_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # the app's reply to a body it could not read: ours (413) goes instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        with contextlib.suppress(_TooLarge):
            await self.app(scope, counted_receive, watched_send)
        if exceeded and not started:
            await _too_large(limit)(scope, receive, send)

    def _refusal(self, scope: Scope) -> JSONResponse | None:
        headers = _headers(scope)
        if self.loopback and not self.token:
            host = headers.get("host", "")
            name = host if host.endswith("]") else host.rsplit(":", 1)[0]
            if name not in LOOPBACK_NAMES:
                return error_response(403, "bad_host", f"Host {host!r} is not this machine")
        if self.token and scope.get("path", "").removeprefix(scope.get("root_path", "")) not in PUBLIC_PATHS:
            scheme, _, given = headers.get("authorization", "").partition(" ")
            if scheme.lower() != "bearer" or not given:
                needs = "this server needs 'Authorization: Bearer <token>'"
                return error_response(401, "unauthorized", needs, {"WWW-Authenticate": "Bearer"})
            if not hmac.compare_digest(given.strip().encode(), self.token.encode()):
                return error_response(403, "forbidden", "wrong token")
        if self.rate_limit > 0:
            client = (scope.get("client") or ("?", 0))[0]
            now = time.monotonic()
            calls = self._calls[client]
            while calls and now - calls[0] > 60:
                calls.popleft()
            if len(calls) >= self.rate_limit:
                wait = max(1, int(60 - (now - calls[0])) + 1)
                message = f"more than {self.rate_limit} requests a minute from {client}; retry in {wait} s"
                return error_response(429, "rate_limited", message, {"Retry-After": str(wait)})
            calls.append(now)
        return None


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _too_large(limit: int) -> JSONResponse:
    return error_response(413, "too_large", f"the request body is over the limit of {limit} bytes")
