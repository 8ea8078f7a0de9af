"""arXiv as a source: papers by id, by search query, or by category and date range.

The `arxiv` package does the query building, paging and feed parsing; this module adds what it lacks
(a settable endpoint, request timeouts, backoff between retries, no retries for answers that cannot
change, readable API error messages, resumable cached PDF downloads) and turns each result into a
`Paper`. The feed is authoritative for metadata; the PDF (through `ingest.sources.pdf.load_pdf`) only
supplies the text. When the PDF cannot be had the paper is kept with its abstract as its text.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import arxiv
import requests
from lxml import etree

from ingest.arxiv_ids import parse_arxiv_id, versioned
from ingest.download import fetch_pdf, pdf_session
from ingest.models import Paper, Section, SourceError

Progress = Callable[[int, int | None], None]
PaperOrError = Paper | SourceError

_ATOM = {"atom": "http://www.w3.org/2005/Atom"}
_TOTAL = re.compile(rb"<opensearch:totalResults[^>]*>\s*(\d+)\s*<")
_CATEGORY = re.compile(r"^[a-z]+(?:-[a-z]+)?(?:\.[A-Za-z-]+)?$")


@dataclass(frozen=True)
class ArxivSettings:
    """Everything that differs between arXiv itself, a mirror and a test server. Read by the caller."""

    api_url: str = "https://export.arxiv.org/api/query"
    delay_seconds: float = 3.0  # arXiv asks for at most one request every 3 s
    num_retries: int = 3
    page_size: int = 100
    pdf_base: str = "https://arxiv.org/pdf"  # PDFs are fetched from f"{pdf_base}/{id}v{n}"
    cache_dir: Path | None = None  # where PDFs are kept; None = a temporary folder per paper
    timeout: float = 30.0
    backoff_seconds: float = 3.0  # wait before retry k is backoff_seconds * 2**(k-1)
    max_pdf_bytes: int = 200 * 1024 * 1024
    user_agent: str = f"papers (arxiv.py/{arxiv.__version__})"

    def pdf_url(self, arxiv_id: str, version: int | None) -> str:
        return f"{self.pdf_base.rstrip('/')}/{versioned(arxiv_id, version)}"


class _ApiError(Exception):
    """An answer the API gave on purpose (error entry, 4xx): asking again cannot change it."""

    def __init__(self, status: int, message: str, *, stated: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.stated = stated  # the feed itself said what is wrong (an error entry)


def _session(settings: ArxivSettings) -> requests.Session:
    return pdf_session(settings.timeout, settings.user_agent)


def _api_errors(body: bytes) -> list[str]:
    """Messages of the `<entry>`s arXiv uses to report errors (id `.../api/errors#...`)."""
    try:
        root = etree.fromstring(body, parser=etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError:
        return []
    messages = []
    for entry in root.iterfind("atom:entry", _ATOM):
        entry_id = entry.findtext("atom:id", default="", namespaces=_ATOM)
        if "/api/errors" in entry_id:
            summary = entry.findtext("atom:summary", default="", namespaces=_ATOM).strip()
            messages.append(summary or entry_id.rsplit("#", 1)[-1].replace("_", " "))
    return messages


class _Client(arxiv.Client):
    """`arxiv.Client` pointed at `settings.api_url`, with backoff and no pointless retries."""

    def __init__(self, settings: ArxivSettings) -> None:
        super().__init__(
            page_size=settings.page_size,
            delay_seconds=settings.delay_seconds,
            num_retries=settings.num_retries,
        )
        self.query_url_format = settings.api_url + "?{}"
        self._backoff = settings.backoff_seconds
        self._session = _session(settings)
        self._session.hooks["response"].append(self._inspect)
        self.requests_made = 0
        self.last_total: int | None = None

    def _inspect(self, resp: requests.Response, *args: Any, **kwargs: Any) -> requests.Response:
        """Response hook: read the body, raise `_ApiError` for answers a retry cannot change."""
        self.requests_made += 1
        try:
            body = resp.content
        except requests.RequestException as exc:  # body cut off: let the client retry it
            self._last_request_dt = datetime.now()
            raise requests.ConnectionError(f"connection dropped while reading the feed ({exc})") from exc
        if b"/api/errors" in body:
            messages = _api_errors(body)
            if messages:
                self._last_request_dt = datetime.now()
                raise _ApiError(resp.status_code, "; ".join(messages), stated=True)
        if 400 <= resp.status_code < 500 and resp.status_code != 429:
            self._last_request_dt = datetime.now()
            raise _ApiError(resp.status_code, f"HTTP {resp.status_code}")
        if resp.status_code == 200:
            found = _TOTAL.search(body)
            self.last_total = int(found.group(1)) if found else None
        return resp

    def first_page(self, search: arxiv.Search) -> list[arxiv.Result]:
        """One page only. For id lookups (a batch fits a page): the client would otherwise ask for a
        next page whenever the feed counts more entries than it could parse, and retry that empty page."""
        return self._parse_feed(self._format_url(search, 0, self.page_size), first_page=True).results

    def _parse_feed(self, url: str, first_page: bool = True, _try_index: int = 0) -> Any:
        # The base class retries at once (only `delay_seconds` apart); back off exponentially instead.
        if _try_index > 0:
            time.sleep(self._backoff * 2 ** (_try_index - 1))
        return super()._parse_feed(url, first_page=first_page, _try_index=_try_index)


def category_query(category: str, start: date, end: date) -> str:
    """`cat:cs.CL AND submittedDate:[202505200000 TO 202505262359]` (both days included)."""
    if not _CATEGORY.match(category):
        raise SourceError(category, "not an arXiv category (expected e.g. cs.CL, astro-ph, math.GT)")
    if end < start:
        raise SourceError(f"{category} {start}..{end}", "date range ends before it starts")
    return f"cat:{category} AND submittedDate:[{start:%Y%m%d}0000 TO {end:%Y%m%d}2359]"


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value and value != datetime.min else None


def result_to_paper(result: arxiv.Result) -> Paper:
    """The feed's view of a paper: metadata plus the abstract as its text (`abstract_only=True`)."""
    arxiv_id, version = parse_arxiv_id(result.get_short_id())
    title = " ".join(result.title.split())
    abstract = " ".join(result.summary.split())
    text = f"{title}\n\n{abstract}" if abstract else title
    abs_url = f"https://arxiv.org/abs/{versioned(arxiv_id, version)}"
    return Paper(
        id=f"arxiv:{arxiv_id}",
        title=title,
        text=text,
        authors=[a.name for a in result.authors if a.name],
        year=result.published.year if result.published != datetime.min else None,
        source="arxiv",
        url=f"https://arxiv.org/abs/{arxiv_id}",
        abstract=abstract,
        sections=[Section("Abstract", 0, len(text), kind="abstract")],
        extra={
            "arxiv_id": arxiv_id,
            "version": version,
            "published": _iso(result.published),
            "updated": _iso(result.updated),
            "primary_category": result.primary_category,
            "categories": list(result.categories),
            "doi": result.doi,
            "comment": result.comment,
            "journal_ref": result.journal_ref,
            "abs_url": abs_url,
            "pdf_url": (result.pdf_url or f"https://arxiv.org/pdf/{versioned(arxiv_id, version)}").replace(
                "http://", "https://"
            ),
            "abstract_only": True,
        },
    )


@dataclass
class ArxivSource:
    """Fetches papers from the arXiv API; one instance keeps one request pace across all its calls."""

    settings: ArxivSettings = field(default_factory=ArxivSettings)

    def __post_init__(self) -> None:
        self._client = _Client(self.settings)
        self._pdf_session = _session(self.settings)
        self._last_pdf_request: float | None = None

    @property
    def api_requests(self) -> int:
        """API requests made so far (including retries); for progress displays and benchmarks."""
        return self._client.requests_made

    # ---- public generators -------------------------------------------------------------------

    def fetch(
        self, ids: Iterable[str], *, abstract_only: bool = False, progress: Progress | None = None
    ) -> Iterator[PaperOrError]:
        """Yield a Paper or a SourceError for each id, in input order (a bad id never stops the rest).

        Ids go to the API in batches of `page_size`; a versioned id asks for that version, a bare id
        for the latest.
        """
        inputs = list(ids)
        total, done = len(inputs), 0
        for lo in range(0, total, self.settings.page_size):
            for item in self._fetch_batch(inputs[lo : lo + self.settings.page_size], abstract_only):
                done += 1
                yield item
                if progress:
                    progress(done, total)

    def fetch_one(self, text: str, *, abstract_only: bool = False) -> Paper:
        """One paper by id; raises SourceError naming `text`."""
        (item,) = self.fetch([text], abstract_only=abstract_only)
        if isinstance(item, SourceError):
            raise item
        return item

    def search(
        self,
        query: str,
        *,
        max_results: int | None = 100,
        sort_by: arxiv.SortCriterion = arxiv.SortCriterion.Relevance,
        sort_order: arxiv.SortOrder = arxiv.SortOrder.Descending,
        abstract_only: bool = False,
        progress: Progress | None = None,
    ) -> Iterator[PaperOrError]:
        """Yield papers matching an arXiv query (`ti:`, `au:`, `abs:`, `cat:`, AND/OR...), paging as
        needed; yields one SourceError naming the query when it matches nothing or the API fails."""
        if not query.strip():
            yield SourceError(repr(query), "empty search query")
            return
        search = arxiv.Search(query=query, max_results=max_results, sort_by=sort_by, sort_order=sort_order)
        yield from self.query(search, abstract_only=abstract_only, progress=progress)

    def query(
        self, search: arxiv.Search, *, abstract_only: bool = False, progress: Progress | None = None
    ) -> Iterator[PaperOrError]:
        """Run any `arxiv.Search` (query and/or id_list), paging as needed. Ends with one SourceError
        naming the search when it matches nothing or the API fails part-way."""
        label = search.query or ",".join(search.id_list)
        done = 0
        for item in self._results(search, label):
            if isinstance(item, SourceError):
                yield item
                return
            total = self._client.last_total
            if total is not None and search.max_results is not None:
                total = min(total, search.max_results)
            done += 1
            yield self._to_paper(item, abstract_only)
            if progress:
                progress(done, total)
        if done == 0:
            yield SourceError(label, "arXiv search returned no results")

    def list_category(
        self,
        category: str,
        start: date,
        end: date,
        *,
        max_results: int | None = None,
        abstract_only: bool = False,
        progress: Progress | None = None,
    ) -> Iterator[PaperOrError]:
        """Yield the papers submitted to `category` between `start` and `end` (inclusive), oldest
        first (ascending order keeps paging stable while new submissions arrive)."""
        try:
            query = category_query(category, start, end)
        except SourceError as err:
            yield err
            return
        yield from self.search(
            query,
            max_results=max_results,
            sort_by=arxiv.SortCriterion.SubmittedDate,
            sort_order=arxiv.SortOrder.Ascending,
            abstract_only=abstract_only,
            progress=progress,
        )

    # ---- ids ---------------------------------------------------------------------------------

    def _fetch_batch(self, inputs: list[str], abstract_only: bool) -> Iterator[PaperOrError]:
        parsed: list[tuple[str, str, int | None] | SourceError] = []
        for raw in inputs:
            try:
                parsed.append((raw, *parse_arxiv_id(raw)))
            except SourceError as err:
                parsed.append(err)
        wanted = list(dict.fromkeys(versioned(p[1], p[2]) for p in parsed if isinstance(p, tuple)))
        results: dict[str, arxiv.Result | SourceError] = {}
        if wanted:
            try:
                results.update(self._lookup(wanted))
            except Exception as exc:
                if isinstance(exc, _ApiError) and exc.stated and len(wanted) > 1:
                    for one in wanted:  # one bad id fails a whole batch: find it, keep the others
                        try:
                            results.update(self._lookup([one]))
                        except Exception as exc1:
                            results[one] = self._api_failure(one, exc1)
                else:
                    failure = self._api_failure(",".join(wanted), exc)
                    results = dict.fromkeys(wanted, failure)
        for item in parsed:
            if isinstance(item, SourceError):
                yield item
                continue
            raw, arxiv_id, version = item
            found = results.get(versioned(arxiv_id, version))
            if isinstance(found, SourceError):
                yield SourceError(raw, found.reason)
            elif found is None:
                what = f"version {version} of {arxiv_id}" if version else arxiv_id
                yield SourceError(raw, f"arXiv has no paper {what}")
            else:
                yield self._to_paper(found, abstract_only)

    def _lookup(self, wanted: list[str]) -> dict[str, arxiv.Result]:
        """Results keyed by the requested spelling: `id vN` for versioned asks, bare id for latest."""
        search = arxiv.Search(id_list=wanted, max_results=len(wanted))
        by_version: dict[str, arxiv.Result] = {}
        latest: dict[str, tuple[int, arxiv.Result]] = {}
        for result in self._client.first_page(search):  # raises; callers turn that into SourceErrors
            try:
                arxiv_id, version = parse_arxiv_id(result.get_short_id())
            except SourceError:
                continue  # not a paper entry (arXiv reports errors as entries)
            by_version[versioned(arxiv_id, version)] = result
            if arxiv_id not in latest or (version or 0) > latest[arxiv_id][0]:
                latest[arxiv_id] = (version or 0, result)
        return {key: by_version.get(key) or latest[key][1] for key in wanted if key in by_version or key in latest}

    def _results(self, search: arxiv.Search, label: str) -> Iterator[arxiv.Result | SourceError]:
        """The client's results, ending with a SourceError instead of raising."""
        try:
            yield from self._client.results(search)
        except Exception as exc:
            yield self._api_failure(label, exc)

    def _api_failure(self, label: str, exc: Exception) -> SourceError:
        if isinstance(exc, _ApiError):
            reason = f"arXiv API rejected the request: {exc.message}"
            if exc.stated and exc.status != 200:
                reason += f" (HTTP {exc.status})"
        elif isinstance(exc, arxiv.HTTPError):
            reason = f"arXiv API answered HTTP {exc.status} after {exc.retry + 1} tries"
        elif isinstance(exc, arxiv.UnexpectedEmptyPageError):
            reason = f"arXiv API returned an empty page mid-way after {exc.retry + 1} tries"
        elif isinstance(exc, requests.RequestException):
            reason = f"cannot reach the arXiv API ({type(exc).__name__})"
        else:
            reason = f"unexpected error: {type(exc).__name__}: {exc}"
        return SourceError(label, reason)

    # ---- PDFs --------------------------------------------------------------------------------

    def _to_paper(self, result: arxiv.Result, abstract_only: bool) -> PaperOrError:
        try:
            paper = result_to_paper(result)
        except SourceError as err:  # an entry whose id is not an arXiv id
            return err
        if abstract_only:
            return paper
        return self._with_pdf(paper)

    def _with_pdf(self, paper: Paper) -> Paper:
        """Swap the abstract text for the PDF's text; on any failure keep the abstract and say why."""
        arxiv_id, version = paper.extra["arxiv_id"], paper.extra["version"]
        try:
            if self.settings.cache_dir is not None:
                path = self.download_pdf(arxiv_id, version)
                return _merge(paper, _load_pdf(path), path)
            with tempfile.TemporaryDirectory(prefix="papers-arxiv-") as tmp:
                path = self.download_pdf(arxiv_id, version, cache_dir=Path(tmp))
                return _merge(paper, _load_pdf(path), None)
        except SourceError as err:
            paper.extra["pdf_error"] = err.reason
        except Exception as exc:
            paper.extra["pdf_error"] = f"unexpected error: {type(exc).__name__}: {exc}"
        return paper

    def download_pdf(self, arxiv_id: str, version: int | None, *, cache_dir: Path | None = None) -> Path:
        """The PDF of `arxiv_id` (version `version`) on disk, downloading it if not cached (see
        `ingest.download.fetch_pdf`: an interrupted download is continued with a Range request, by a
        retry here or by a later call). Raises SourceError naming the URL."""
        folder = cache_dir or self.settings.cache_dir
        if folder is None:
            raise SourceError(arxiv_id, "no cache_dir to download the PDF into")
        return fetch_pdf(
            self.settings.pdf_url(arxiv_id, version),
            folder / (versioned(arxiv_id, version).replace("/", "_") + ".pdf"),
            max_bytes=self.settings.max_pdf_bytes,
            timeout=self.settings.timeout,
            retries=self.settings.num_retries,
            backoff_seconds=self.settings.backoff_seconds,
            resume=True,
            session=self._pdf_session,
            before_request=self._pace,
        )

    def _pace(self) -> None:
        if self._last_pdf_request is not None:
            wait = self.settings.delay_seconds - (time.monotonic() - self._last_pdf_request)
            if wait > 0:
                time.sleep(wait)
        self._last_pdf_request = time.monotonic()


def _load_pdf(path: Path) -> Paper:
    try:
        from ingest.sources.pdf import load_pdf
    except ImportError as exc:
        raise SourceError(str(path), f"PDF reader unavailable ({exc})") from None
    return load_pdf(path)


def _merge(feed: Paper, pdf: Paper, path: Path | None) -> Paper:
    """The PDF's text, pages and sections under the feed's id, title, authors and metadata."""
    # the reader's own guess at the id/version (printed on page 1) yields to the feed's
    from_pdf = {k: v for k, v in pdf.extra.items() if k not in {"arxiv_id", "arxiv_version"}}
    extra = {**from_pdf, **feed.extra, "abstract_only": False, "pages": pdf.pages}
    if path is not None:
        extra["pdf_path"] = str(path)
    return Paper(
        id=feed.id,
        title=feed.title,
        text=pdf.text,
        authors=feed.authors,
        year=feed.year,
        source="arxiv",
        url=feed.url,
        abstract=feed.abstract,
        page_starts=list(pdf.page_starts),
        sections=list(pdf.sections),
        extra=extra,
    )
