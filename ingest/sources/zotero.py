"""A Zotero data directory (`zotero.sqlite` + `storage/`) as sync entries: one per item, its PDFs parsed and
put under Zotero's metadata, or its abstract when it has no PDF.

Zotero holds an exclusive lock on its database while it runs, so the database is opened read-only and,
when it is locked, read from a copy; it is never written. IDs of fields, item types and creator types
differ between databases, so everything is joined by name. Trashed items (`deletedItems`) are left out,
parents and attachments alike.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from ingest.models import Paper, SourceError, SyncEntry
from ingest.sources.folder import file_stamp
from ingest.sources.records import metadata_hash, paper_from_record, reference_pdfs

MIN_USERDATA_VERSION = 80  # Zotero 5 and later (10.0 writes 129); older layouts lack the tables read here
_TABLES = (
    "items",
    "itemData",
    "itemDataValues",
    "fieldsCombined",
    "itemTypesCombined",
    "baseFieldMappingsCombined",
    "itemAttachments",
    "deletedItems",
    "collections",
    "collectionItems",
    "itemCreators",
    "creators",
    "tags",
    "itemTags",
    "libraries",
)
_NOT_PAPERS = ("note", "annotation")


@dataclass
class ZoteroItem:
    """A regular item (or a standalone PDF) of the user library, with what papers keeps of it."""

    key: str
    item_type: str
    fields: dict[str, str]
    authors: list[str]
    tags: list[str]
    collections: list[str]  # paths such as "NLP/Document Understanding"
    pdfs: list[tuple[str, Path | None, str]] = field(default_factory=list)  # (attachment key, file, stored path)

    @property
    def title(self) -> str:
        return self.fields.get("title", "").strip()

    def record(self) -> dict[str, object]:
        """The metadata papers stores (and filters on): Zotero's over whatever the PDF says."""
        doi = self.fields.get("DOI", "")
        date = self.fields.get("date", "")
        names = sorted({part for path in self.collections for part in path.split("/")})
        return {
            "title": self.title,
            "authors": self.authors,
            "year": date[:4] if date[:4].isdigit() and date[:4] != "0000" else None,
            "url": self.fields.get("url") or (f"https://doi.org/{doi}" if doi else ""),
            "abstract": self.fields.get("abstractNote", ""),
            "doi": doi,
            "venue": self.fields.get("publicationTitle", ""),
            "tags": self.tags,
            "collections": names,  # every collection it is in, and their parents: what --collection matches
            "collection_paths": self.collections,
            "zotero_key": self.key,
            "item_type": self.item_type,
        }


def zotero_entries(data_dir: str, collection: str | None = None) -> Iterator[SyncEntry | SourceError]:
    """Every non-trashed item of the library (only those in `collection` and its sub-collections, when
    given) as a sync entry. An unreadable database is one `SourceError` naming it."""
    base = Path(data_dir).expanduser().absolute()
    try:
        items, notes = read_library(base, collection)
    except SourceError as err:
        yield err
        return
    yield from notes
    for item in items:
        yield _entry(base, item)


def read_library(data_dir: Path, collection: str | None = None) -> tuple[list[ZoteroItem], list[SourceError]]:
    """The items of the user library, and one note per thing worth saying (a locked database read from a
    copy). Raises SourceError for a database papers cannot read."""
    db = data_dir / "zotero.sqlite"
    if not db.is_file():
        raise SourceError(str(db), "no zotero.sqlite here; pass Zotero's data directory (default ~/Zotero)")
    notes: list[SourceError] = []
    with _connect(db, notes) as con:
        try:
            _check_version(con, db)
            return _items(con, data_dir, collection, db), notes
        except sqlite3.Error as exc:
            raise SourceError(str(db), f"cannot read the Zotero database ({exc})") from None


@contextlib.contextmanager
def _connect(db: Path, notes: list[SourceError]) -> Iterator[sqlite3.Connection]:
    """Read-only; when Zotero holds its lock, a copy in a temporary folder (SQLite rolls a copied hot
    journal back there, so the copy reads as the last committed state)."""
    con = sqlite3.connect(f"file:{quote(str(db))}?mode=ro", uri=True, timeout=0.5)
    try:
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.Error as exc:
        con.close()
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise SourceError(str(db), f"not a readable Zotero database ({exc})") from None
        notes.append(SourceError(str(db), "locked (Zotero is running): read from a copy", skipped=True))
        with tempfile.TemporaryDirectory(prefix="papers-zotero-") as tmp:
            copy = Path(tmp) / db.name
            for suffix in ("", "-journal", "-wal"):
                if Path(f"{db}{suffix}").exists():
                    shutil.copyfile(f"{db}{suffix}", f"{copy}{suffix}")
            con = sqlite3.connect(str(copy), timeout=0.5)
            try:
                yield con
            finally:
                con.close()
        return
    try:
        yield con
    finally:
        con.close()


def _check_version(con: sqlite3.Connection, db: Path) -> None:
    names = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")}
    version = None
    if "version" in names:
        row = con.execute("SELECT version FROM version WHERE schema = 'userdata'").fetchone()
        version = int(row[0]) if row and str(row[0]).isdigit() else None
    missing = [t for t in _TABLES if t not in names]
    if version is None or version < MIN_USERDATA_VERSION or missing:
        what = f"userdata version {version}" if version is not None else "no version"
        lacks = f", without {', '.join(missing[:3])}" if missing else ""
        raise SourceError(str(db), f"unknown Zotero database version ({what}{lacks}); papers reads Zotero 5 and later")


def _items(con: sqlite3.Connection, data_dir: Path, collection: str | None, db: Path) -> list[ZoteroItem]:
    library = con.execute("SELECT libraryID FROM libraries WHERE type = 'user'").fetchone()
    if library is None:
        raise SourceError(str(db), "no user library in this Zotero database")
    rows = con.execute(
        """SELECT i.itemID, i.key, t.typeName, a.parentItemID FROM items i
           JOIN itemTypesCombined t ON t.itemTypeID = i.itemTypeID
           LEFT JOIN itemAttachments a ON a.itemID = i.itemID
           WHERE i.libraryID = ? AND i.itemID NOT IN (SELECT itemID FROM deletedItems)
           ORDER BY i.dateAdded, i.itemID""",
        (library[0],),
    ).fetchall()
    paths = _collection_paths(con, library[0])
    wanted = _collection_scope(paths, collection, db) if collection else None
    in_collections: dict[int, list[int]] = {}
    for item_id, coll_id in con.execute("SELECT itemID, collectionID FROM collectionItems"):
        in_collections.setdefault(item_id, []).append(coll_id)
    fields = _fields(con)
    items = []
    for item_id, key, type_name, parent in rows:
        if type_name in _NOT_PAPERS or (type_name == "attachment" and parent is not None):
            continue  # notes, annotations and child attachments are not papers of their own
        colls = in_collections.get(item_id, [])
        if wanted is not None and not wanted.intersection(colls):
            continue
        item = ZoteroItem(
            key=key,
            item_type=type_name,
            fields=fields.get(item_id, {}),
            authors=_authors(con, item_id),
            tags=[r[0] for r in con.execute(_TAGS, (item_id,))],
            collections=sorted(paths[c] for c in colls if c in paths),
        )
        if type_name == "attachment":
            item.pdfs = _pdfs(con, data_dir, "a.itemID = ?", item_id)
            if not item.pdfs:
                continue  # a standalone file that is not a PDF
        else:
            item.pdfs = _pdfs(con, data_dir, "a.parentItemID = ?", item_id)
        items.append(item)
    return items


_TAGS = "SELECT t.name FROM itemTags it JOIN tags t ON t.tagID = it.tagID WHERE it.itemID = ? ORDER BY t.name"


def _fields(con: sqlite3.Connection) -> dict[int, dict[str, str]]:
    """item id → field name → value, type-specific fields also under their base field's name
    (`proceedingsTitle` is also `publicationTitle`, `caseName` also `title`)."""
    out: dict[int, dict[str, str]] = {}
    for item_id, name, base, value in con.execute(
        """SELECT d.itemID, f.fieldName, bf.fieldName, v.value FROM itemData d
           JOIN items i ON i.itemID = d.itemID
           JOIN fieldsCombined f ON f.fieldID = d.fieldID
           JOIN itemDataValues v ON v.valueID = d.valueID
           LEFT JOIN baseFieldMappingsCombined b ON b.itemTypeID = i.itemTypeID AND b.fieldID = d.fieldID
           LEFT JOIN fieldsCombined bf ON bf.fieldID = b.baseFieldID"""
    ):
        fields = out.setdefault(item_id, {})
        fields[name] = str(value)
        if base:
            fields[base] = str(value)
    return out


def _authors(con: sqlite3.Connection, item_id: int) -> list[str]:
    """Creators in Zotero's order; a single-field name (fieldMode 1) is its `lastName`."""
    rows = con.execute(
        """SELECT c.firstName, c.lastName, c.fieldMode FROM itemCreators ic
           JOIN creators c ON c.creatorID = ic.creatorID WHERE ic.itemID = ? ORDER BY ic.orderIndex""",
        (item_id,),
    )
    return [(last if mode == 1 else f"{first} {last}").strip() for first, last, mode in rows]


def _collection_paths(con: sqlite3.Connection, library_id: int) -> dict[int, str]:
    """collection id → its path from the top ("NLP/Document Understanding")."""
    rows = {
        cid: (name, parent)
        for cid, name, parent in con.execute(
            "SELECT collectionID, collectionName, parentCollectionID FROM collections WHERE libraryID = ?",
            (library_id,),
        )
    }

    def path(cid: int, depth: int = 0) -> str:
        name, parent = rows[cid]
        if parent in rows and depth < 64:  # a cycle in a damaged database stops here
            return f"{path(parent, depth + 1)}/{name}"
        return name

    return {cid: path(cid) for cid in rows}


def _collection_scope(paths: dict[int, str], collection: str, db: Path) -> set[int]:
    """The collections a `--collection NAME` means: those named so (or with that path), and all below."""
    wanted = collection.strip().strip("/").lower()
    roots = [p for p in paths.values() if p.lower() == wanted or p.lower().rsplit("/", 1)[-1] == wanted]
    if not roots:
        raise SourceError(str(db), f"no collection named {collection!r}")
    return {cid for cid, p in paths.items() if any(p == r or p.startswith(r + "/") for r in roots)}


def _pdfs(con: sqlite3.Connection, data_dir: Path, where: str, item_id: int) -> list[tuple[str, Path | None, str]]:
    """(attachment key, file or None when it cannot be located, stored path) of the PDFs, not trashed."""
    rows = con.execute(
        f"""SELECT ai.key, a.linkMode, a.path FROM itemAttachments a JOIN items ai ON ai.itemID = a.itemID
            WHERE {where} AND a.contentType = 'application/pdf'
              AND a.itemID NOT IN (SELECT itemID FROM deletedItems) ORDER BY ai.dateAdded, ai.itemID""",
        (item_id,),
    )
    out = []
    for key, mode, stored in rows:
        stored = stored or ""
        path: Path | None = None
        if mode in (0, 1) and stored.startswith("storage:"):
            path = data_dir / "storage" / key / stored[len("storage:") :]
        elif mode == 2 and stored and not stored.startswith("attachments:"):
            path = Path(stored)
        # linked to the "Linked Attachment Base Directory" (a preference outside the database): unknown here
        out.append((key, path, stored))
    return out


def _entry(data_dir: Path, item: ZoteroItem) -> SyncEntry:
    meta = json.dumps(item.record(), sort_keys=True, default=str)

    def stamp() -> str:
        stats = [f"{key}:{file_stamp(path) if path else None}" for key, path, _ in item.pdfs]
        return hashlib.sha256("\n".join([meta, *stats]).encode()).hexdigest()[:32]

    def fingerprint() -> str:
        from ingest.pdf.document import file_sha256

        sums = [f"{key}:{file_sha256(p) if p and p.is_file() else None}" for key, p, _ in item.pdfs]
        return hashlib.sha256("\n".join([meta, *sums]).encode()).hexdigest()[:32]

    modified = max((p.stat().st_mtime for _, p, _ in item.pdfs if p and p.is_file()), default=0.0)
    return SyncEntry(
        key=f"zotero:{data_dir}#{item.key}",
        stamp=stamp(),
        fingerprint=fingerprint,
        load=lambda **opts: load_item(item, **opts),
        restamp=stamp,
        label=f"Zotero {item.key} {item.title[:60]!r}",
        modified=modified,
    )


def load_item(item: ZoteroItem, **opts: object) -> Iterator[Paper | SourceError]:
    """The item's PDFs under its metadata (the first is `zotero:KEY`, others `zotero:KEY/ATTACHMENT`), or
    its abstract when no PDF can be read; each unreadable attachment is one `SourceError`."""
    record = item.record()
    label = f"Zotero {item.key} {item.title[:60]!r}"

    def paper_id(n: int, name: str) -> str:
        return f"zotero:{item.key}" if not n else f"zotero:{item.key}/{name.split()[-1]}"

    for n, (key, path, stored) in enumerate(item.pdfs):
        if path is None:  # e.g. `attachments:…`: relative to a base folder set in Zotero's preferences
            reason = f"file cannot be located from its Zotero path {stored!r}"
            yield SourceError(f"{label} attachment {key}", reason, paper_id=paper_id(n, f"attachment {key}"))
    loaded = yield from reference_pdfs(
        [(f"attachment {key}", path) for key, path, _ in item.pdfs if path is not None],
        record,
        source="zotero",
        origin=label,
        paper_id=paper_id,
        **opts,
    )
    if loaded:
        return
    if not record["abstract"]:
        if not item.pdfs:
            yield SourceError(label, "no PDF and no abstract: nothing to index", skipped=True)
        return
    try:
        paper = paper_from_record({**record, "id": f"zotero:{item.key}"}, source="zotero", origin=label)
    except SourceError as err:
        yield err
        return
    paper.content_hash = metadata_hash(paper)
    yield paper
