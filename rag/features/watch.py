"""`papers watch` (and `papers serve --watch`): sync once, then again whenever a watched place changes.

watchfiles batches events that come within `watch_debounce_ms` of each other; a file modified less than
`watch_quiet_seconds` ago is left for a later pass (it may still be being written), and the loop wakes
up on its own to take it once it is quiet. A place that is gone (an unplugged disk) removes nothing; the
loop keeps checking for it and watches it again when it is back.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from rag.errors import PapersError
from rag.features.sync import Place, SyncReport, sync

_WAKE_MS = 1000  # how often the loop wakes without events (files waiting to be quiet, places gone)


def watch_places(
    library,
    places: Iterable[Place],
    on_report: Callable[[SyncReport], None],
    stop: threading.Event | None = None,
) -> None:
    """Keep the index in step with `places` until `stop` is set (or the process is interrupted)."""
    from watchfiles import DefaultFilter, watch

    places = list(places)
    stop = stop or threading.Event()
    settings = library.settings
    quiet = settings.watch_quiet_seconds
    # the index's own writes (an index kept inside a watched folder) are no changes to sync
    own = DefaultFilter(
        ignore_paths=[str(settings.index_dir.absolute()), str(settings.sync_manifest.parent.absolute())]
    )

    synced_with: list = []  # the places that existed at the last sync

    def run() -> SyncReport:
        synced_with[:] = existing()
        try:
            report = sync(library, places, quiet_seconds=quiet)
        except PapersError as err:  # the index is busy or unreadable right now: try again on the next change
            report = SyncReport()
            report.problems.append(("sync", str(err)))
        on_report(report)
        return report

    def existing() -> list:
        return [p for place in places for p in place.watch_paths if p.exists()]

    report = run()
    while not stop.is_set():
        present = existing()
        if not present:
            if not stop.wait(_WAKE_MS / 1000) and existing():
                report = run()  # a place is back
            continue
        try:
            for changes in watch(
                *present,
                watch_filter=own,
                debounce=settings.watch_debounce_ms,
                stop_event=stop,
                rust_timeout=_WAKE_MS,
                yield_on_timeout=True,
                raise_interrupt=False,
            ):
                if changes or report.waiting:
                    report = run()
                now = existing()
                if now != present or now != synced_with:
                    report = run()  # (also a place that went and came back between two syncs)
                    break  # a place went away or came back: watch what is there now
        except (OSError, RuntimeError) as exc:  # the watcher lost a place under it
            lost = SyncReport()
            lost.problems.append(("watch", f"watching again after: {exc}"))
            on_report(lost)
            stop.wait(_WAKE_MS / 1000)
            report = run()


@dataclass
class SyncLog:
    """The last sync events, for the app's Library tab (thread-safe: the watcher writes, handlers read)."""

    limit: int = 200
    lines: deque = field(default_factory=deque)
    places: list[str] = field(default_factory=list)  # what is watched (shown above the log)
    events: int = 0  # how many were ever recorded: a page refreshes its lists when this moves
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, report: SyncReport) -> None:
        stamp = datetime.now().strftime("%H:%M:%S")
        entries = [
            *(("added", f"{t} [{pid}]") for pid, t, _ in report.added),
            *(("updated", f"{t} [{pid}]") for pid, t, _ in report.updated),
            *(("removed", f"{t} [{pid}]") for pid, t in report.removed),
            *(("problem", f"{s}: {r}") for s, r in report.problems),
            *(
                ("held back", f"removing {n} of {m} papers of {p} (rerun `papers sync --yes`)")
                for p, n, m in report.held_back
            ),
        ]
        with self._lock:
            for what, text in entries:
                self.lines.appendleft((stamp, what, text))
            self.events += len(entries)
            while len(self.lines) > self.limit:
                self.lines.pop()

    def rows(self) -> list[tuple[str, str, str]]:
        with self._lock:
            return list(self.lines)
