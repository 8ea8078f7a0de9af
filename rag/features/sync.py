"""`papers sync`: make the index mirror folders and Zotero libraries.

Each synced place lists its entries (files, Zotero items). An entry whose stamp did not move since the
last sync is not read at all, so a sync with nothing changed costs a listing; a moved stamp with the same
content hash is only noted; new and changed entries are parsed and go through the usual write pipeline
(which skips papers whose content it already holds); entries gone from a place take their papers with
them, unless another entry still gives them. Nothing already indexed is lost to a bad input: an entry
that cannot be read keeps its papers, a paper whose PDF has gone missing (a Zotero attachment, a .bib
`file`) keeps what it was indexed with instead of being replaced by its abstract, and a place that cannot
be listed (a folder gone, a locked or unknown database) removes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain
from pathlib import Path

from ingest.models import Paper, SourceError, SyncEntry
from rag.features.sync_manifest import Manifest, Row
from rag.indexer import IngestReport, Progress


@dataclass
class Place:
    """A synced place: a folder, or a Zotero library (optionally one collection)."""

    scope: str  # what its manifest rows are tagged with
    label: str
    list_entries: Callable[[], Iterator[SyncEntry | SourceError]]
    watch_paths: list[Path]  # what `papers watch` listens to
    whole_scope_errors: bool = False  # a listing error means nothing of the place can be trusted

    def blocked_prefix(self, error: SourceError) -> str:
        """Entries under this prefix keep their papers this time (the listing could not see them)."""
        return "" if self.whole_scope_errors else error.source


def folder_place(path: str, glob: str | None = None) -> Place:
    from ingest.sources.folder import folder_entries

    root = Path(path).expanduser().absolute()
    return Place(str(root), str(root), lambda: folder_entries(str(root), glob), [root])


def zotero_place(data_dir: str | None = None, collection: str | None = None) -> Place:
    from ingest.sources.zotero import zotero_entries

    root = Path(data_dir or "~/Zotero").expanduser().absolute()
    scope = f"zotero:{root}" + (f"#collection={collection}" if collection else "")
    label = f"Zotero {root}" + (f" (collection {collection!r})" if collection else "")
    return Place(scope, label, lambda: zotero_entries(str(root), collection), [root], whole_scope_errors=True)


@dataclass
class SyncReport:
    """What a sync did (or, with dry_run, would do), per paper and per entry."""

    dry_run: bool = False
    added: list[tuple[str, str, int]] = field(default_factory=list)  # (paper id, title, chunks)
    updated: list[tuple[str, str, int]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)  # (paper id, title)
    to_add: list[str] = field(default_factory=list)  # entry labels (planned)
    to_update: list[str] = field(default_factory=list)
    to_remove: list[str] = field(default_factory=list)
    unchanged: int = 0  # entries not read again
    waiting: list[str] = field(default_factory=list)  # entries still being written
    held_back: list[tuple[str, int, int]] = field(default_factory=list)  # (place, papers to remove, its papers)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (input, reason): one line each
    notes: list[tuple[str, str]] = field(default_factory=list)  # informational (skipped inputs, a copy read)

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)


@dataclass
class _Plan:
    load: list[tuple[Place, SyncEntry, bool]] = field(default_factory=list)  # (place, entry, is new)
    touched: list[tuple[Place, SyncEntry, str]] = field(default_factory=list)  # same content, new stamp
    vanished: list[tuple[Place, str]] = field(default_factory=list)  # (place, entry key)


def sync(
    library,
    places: Iterable[Place],
    *,
    dry_run: bool = False,
    yes: bool = False,
    quiet_seconds: float = 0.0,
    password: str | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Mirror `places` into the library's index (see the module doc). `quiet_seconds`: files modified
    more recently are left for a later run (they may still be being written)."""
    places = list(places)
    settings = library.settings
    report = SyncReport(dry_run=dry_run)
    with Manifest(settings.sync_manifest).locked() as manifest:
        plan = _plan(library, manifest, places, report, quiet_seconds, yes)
        report.to_add = [e.label for _, e, new in plan.load if new]
        report.to_update = [e.label for _, e, new in plan.load if not new]
        report.to_remove = [key for _, key in plan.vanished]
        report.unchanged += len(plan.touched)
        if dry_run:
            return report
        dropped: set[str] = set()
        if plan.load:
            dropped |= _load_and_write(library, manifest, plan, report, password, progress)
        for place, entry, sha in plan.touched:
            row = manifest.rows[entry.key]
            manifest.rows[entry.key] = Row(entry.stamp, sha, row.papers, sorted({*row.scopes, place.scope}))
        for place, key in plan.vanished:
            row = manifest.rows[key]
            row.scopes = [s for s in row.scopes if s != place.scope]
            if not row.scopes:
                dropped.update(manifest.rows.pop(key).papers)
        gone = sorted(dropped - manifest.referenced())
        if gone:
            removed = library.indexer.remove_papers(gone)
            report.removed = [(record.id, record.title) for record, _ in removed]
        manifest.save()
    return report


def _plan(library, manifest: Manifest, places: list[Place], report: SyncReport, quiet: float, yes: bool) -> _Plan:
    plan = _Plan()
    stamped: list[tuple[Place, SyncEntry]] = []  # same stamp: unchanged, if its papers are still indexed
    now = time.time()
    for place in places:
        listed: set[str] = set()
        blocked: list[str] = []
        for item in place.list_entries():
            if isinstance(item, SourceError):
                (report.notes if item.skipped else report.problems).append((item.source, item.reason))
                if not item.skipped:
                    blocked.append(place.blocked_prefix(item))
                continue
            listed.add(item.key)
            row = manifest.rows.get(item.key)
            if quiet and now - item.modified < quiet:
                report.waiting.append(item.label)
            elif row is None:
                plan.load.append((place, item, True))
            elif row.stamp == item.stamp:
                stamped.append((place, item))
            else:
                _compare_content(place, item, row, plan, report)
        vanished = [
            key
            for key in manifest.in_scope(place.scope)
            if key not in listed and not any(key.startswith(prefix) for prefix in blocked)
        ]
        going = sum(max(1, len(manifest.rows[key].papers)) for key in vanished)
        total = sum(max(1, len(manifest.rows[key].papers)) for key in manifest.in_scope(place.scope))
        if going >= 2 and going > library.settings.sync_max_remove_share * total and not yes:
            report.held_back.append((place.label, going, total))
        else:
            plan.vanished += [(place, key) for key in vanished]
    _check_still_indexed(library, manifest, stamped, plan, report)
    return plan


def _compare_content(place: Place, entry: SyncEntry, row: Row, plan: _Plan, report: SyncReport) -> None:
    try:
        sha = entry.fingerprint()
    except OSError as exc:
        report.problems.append((entry.label, f"cannot read: {exc.strerror or exc}; its papers are kept"))
        return
    if sha == row.sha:
        plan.touched.append((place, entry, sha))
    else:
        plan.load.append((place, entry, False))


def _check_still_indexed(
    library, manifest: Manifest, stamped: list[tuple[Place, SyncEntry]], plan: _Plan, report: SyncReport
) -> None:
    """Unchanged entries whose papers left the index (removed by hand, an interrupted write) are read again."""
    ids = sorted({pid for _, entry in stamped for pid in manifest.rows[entry.key].papers})
    store = library.store
    states = store.states(ids) if ids and store.exists() else {}
    for place, entry in stamped:
        row = manifest.rows[entry.key]
        if all(states.get(pid, ("", ""))[0] == "ready" for pid in row.papers):
            if place.scope not in row.scopes:
                row.scopes = sorted({*row.scopes, place.scope})
            report.unchanged += 1
            continue
        plan.load.append((place, entry, False))


def _load_and_write(
    library, manifest: Manifest, plan: _Plan, report: SyncReport, password: str | None, progress: Progress | None
) -> set[str]:
    """Parse the new and changed entries and write their papers; returns the paper ids changed entries
    no longer give (candidates for removal)."""
    settings = library.settings
    opts = {"password": password, "max_bytes": settings.max_download_bytes, "timeout": settings.download_timeout}
    given: dict[str, tuple[Place, SyncEntry, bool, str, list[Paper], bool, list[str]]] = {}

    def stream() -> Iterator[Paper]:
        for place, entry, new in plan.load:
            try:
                sha = entry.fingerprint()
                items = list(entry.load(**opts))
            except OSError as exc:
                report.problems.append((entry.label, f"cannot read: {exc.strerror or exc}; its papers are kept"))
                continue
            if entry.restamp() != entry.stamp:
                report.problems.append((entry.label, "changed while it was read; it is read again at the next sync"))
                continue
            failed, kept = False, []
            before = set(manifest.rows[entry.key].papers) if entry.key in manifest.rows else set()
            for err in (i for i in items if isinstance(i, SourceError)):
                (report.notes if err.skipped else report.problems).append((err.source, err.reason))
                failed |= not err.skipped
                if not err.skipped and err.paper_id in before - set(kept):  # a PDF gone: not replaced by less
                    kept.append(err.paper_id)
            papers = [p for p in items if isinstance(p, Paper) and p.id not in kept]
            given[entry.key] = (place, entry, new, sha, papers, failed, kept)
            yield from papers

    papers = stream()
    first = next(papers, None)  # nothing to write (only unreadable entries): the model is not even loaded
    written = IngestReport() if first is None else library.add_papers(chain([first], papers), progress=progress)
    indexed = {pid for pid, _, _ in written.added} | {pid for pid, _ in written.unchanged}
    for source, reason in written.failed + written.skipped:
        report.problems.append((source, reason))
    dropped: set[str] = set()
    by_id = {pid: (pid, title, n) for pid, title, n in written.added}
    for key, (place, entry, new, sha, papers, failed, kept) in given.items():
        ids = [p.id for p in papers if p.id in indexed] + kept
        old = manifest.rows.get(key)
        scopes = sorted({*(old.scopes if old else []), place.scope})
        if failed and not ids:  # nothing readable in this version: what it gave before stays
            manifest.rows[key] = Row(entry.stamp, sha, old.papers if old else [], scopes)
            continue  # (and it is read again once it changes)
        (report.added if new else report.updated).extend(by_id[pid] for pid in ids if pid in by_id)
        manifest.rows[key] = Row(entry.stamp, sha, ids, scopes)
        if old:
            dropped.update(set(old.papers) - set(ids))
    return dropped


def summary(report: SyncReport) -> str:
    """One line: what changed."""
    verb = "would be " if report.dry_run else ""
    if report.dry_run:
        counts = f"{len(report.to_add)} to add, {len(report.to_update)} to update, {len(report.to_remove)} to remove"
    else:
        counts = f"{len(report.added)} added, {len(report.updated)} updated, {len(report.removed)} removed"
    extra = f", {len(report.waiting)} {verb}waiting (still being written)" if report.waiting else ""
    return f"{counts}, {report.unchanged} unchanged{extra}, {len(report.problems)} problems"
