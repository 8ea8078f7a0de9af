"""Zotero: the fixture data directory of ../shared/zotero (Zotero's real schema), built into a temp folder.

Reading (metadata by name, trash, nested collections, stored and linked PDFs), `papers sync --zotero`
with Zotero's metadata over the PDFs', the --collection/--tag filters, trashing, and bad databases
(locked, corrupt, unknown version, a missing attachment), plus the Better BibTeX export's `file` fields.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from ingest.models import Paper, SourceError
from ingest.sources.bibtex import load_bibtex
from ingest.sources.zotero import read_library, zotero_entries
from rag import Filters, Library, Settings
from rag.features.sync import sync, zotero_place
from tests.conftest import shared_path
from ui.cli import main

ALL = {"8ZTNCWQ4", "VJ5M4QXE", "3WQYD7HU", "K9E2RBW5", "L2YF7K3D", "E5HQ2V8M"}
DOC_UNDERSTANDING = {"3WQYD7HU", "K9E2RBW5", "L2YF7K3D"}


def build_fixture(out: Path) -> Path:
    """A complete copy of the fixture (database, storage/, the linked file, library.bib) in `out`."""
    build = shared_path("zotero", "build.py")
    shared_path("pdfs", "1111.2011v2.pdf")
    subprocess.run([sys.executable, str(build), "--out", str(out)], check=True, capture_output=True, timeout=120)
    return out


@pytest.fixture(scope="module")
def fixture_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_fixture(tmp_path_factory.mktemp("zfix"))


@pytest.fixture(scope="module")
def zotero_library(fixture_dir: Path, bundled_library, tmp_path_factory: pytest.TempPathFactory) -> Library:
    """The whole fixture library synced once (tests must not modify it). The 37-page Multi-LexSum PDF is
    and the 13-page PaperMage PDFs are taken away first (CPU time): those items are indexed from their
    abstracts, after one line each that says so."""
    data = tmp_path_factory.mktemp("zcopy") / "zotero-data"
    shutil.copytree(fixture_dir / "zotero-data", data)
    _lighten(data, "FX2B9NRL", "C6PLM2TZ")
    library = Library(Settings(index_dir=tmp_path_factory.mktemp("zindex")), embedder=bundled_library.embedder)
    report = sync(library, [zotero_place(str(data))])
    assert len(report.problems) == 2
    source, reason = sorted(report.problems)[1]
    assert source.startswith("Zotero VJ5M4QXE 'Multi-LexSum") and source.endswith("attachment FX2B9NRL")
    assert reason.startswith("file not found: ") and "FX2B9NRL" in reason
    return library


def _lighten(data: Path, *attachments: str) -> None:
    """Delete the stored PDFs of these attachment keys (their items fall back to their abstracts)."""
    for key in attachments:
        for pdf in (data / "storage" / key).glob("*.pdf"):
            pdf.unlink()


def _keys(ids) -> set[str]:
    return {pid.removeprefix("zotero:") for pid in ids}


def test_reads_items_by_name_without_trash_with_nested_collections(fixture_dir: Path) -> None:
    items, notes = read_library(fixture_dir / "zotero-data")
    assert notes == []
    by_key = {item.key: item for item in items}
    assert set(by_key) == ALL  # TinyV is in the trash (still in a collection); the note is no paper
    murray = by_key["8ZTNCWQ4"]
    assert murray.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tešanović"]
    assert murray.record()["year"] == "2012" and murray.record()["doi"] == "10.1103/PhysRevB.85.115117"
    assert by_key["L2YF7K3D"].authors == ["Your Name"]  # a single-field name
    assert by_key["3WQYD7HU"].record()["venue"].startswith("Proceedings of the 2023 Conference")  # proceedingsTitle
    assert by_key["3WQYD7HU"].collections == ["NLP/Document Understanding"]
    assert by_key["3WQYD7HU"].record()["collections"] == ["Document Understanding", "NLP"]
    linked = by_key["L2YF7K3D"].pdfs[0][1]
    assert linked == fixture_dir / "linked-files" / "pypdf-samples-multicolumn.pdf" and linked.is_file()
    stored = by_key["K9E2RBW5"].pdfs[0][1]
    assert stored == fixture_dir / "zotero-data" / "storage" / "T4MX8HQF" / "2305.03393v1-pg9.pdf"
    assert by_key["E5HQ2V8M"].pdfs == []
    nested, _ = read_library(fixture_dir / "zotero-data", "nlp")
    assert {i.key for i in nested} == ALL - {"8ZTNCWQ4"}  # NLP and the collection inside it
    inner, _ = read_library(fixture_dir / "zotero-data", "NLP/Document Understanding")
    assert {i.key for i in inner} == DOC_UNDERSTANDING


def test_sync_indexes_pdfs_under_zotero_metadata_and_abstracts(zotero_library: Library) -> None:
    papers = {p.id: p for p in zotero_library.papers()}
    assert _keys(papers) == ALL
    murray = papers["zotero:8ZTNCWQ4"]
    assert murray.title == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    assert murray.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tešanović"]
    assert murray.year == 2012 and murray.url == "https://link.aps.org/doi/10.1103/PhysRevB.85.115117"
    assert murray.pages == 8 and murray.chunks > 10  # the PDF's text
    assert papers["zotero:VJ5M4QXE"].pages == 0  # its PDF is missing: its abstract
    assert murray.extra["tags"] == ["quantum criticality"]
    nover = papers["zotero:E5HQ2V8M"]
    assert nover.pages == 0 and "verifier" in nover.abstract.lower()  # indexed from its abstract
    hits = zotero_library.search("incentive training without a verifier", k=1)
    assert hits[0].paper_id == "zotero:E5HQ2V8M"


def test_collection_and_tag_filter_search_ask_and_related(zotero_library: Library, capsys) -> None:
    query = "parsing tables and layout of scientific PDF documents"
    inside = zotero_library.search(query, k=20, filters=Filters(collections=["Document Understanding"]))
    assert inside and _keys(h.paper_id for h in inside) <= DOC_UNDERSTANDING
    tagged = zotero_library.search(query, k=20, filters=Filters(tags=["TABLES"]))
    assert tagged and _keys(h.paper_id for h in tagged) == {"K9E2RBW5"}
    nested = zotero_library.search(query, k=30, filters=Filters(collections=["NLP"]))
    assert _keys(h.paper_id for h in nested) & DOC_UNDERSTANDING  # sub-collections are included
    related = zotero_library.related("zotero:3WQYD7HU", k=5, filters=Filters(tags=["to-read"]))
    assert [r.paper.id for r in related] == ["zotero:E5HQ2V8M"]
    from ui.app_handlers import PapersApp  # the app's JSON API takes the same filters

    api = PapersApp(zotero_library)
    assert {h["paper_id"] for h in api.api_search(query, k=20, tags=["tables"])} == {"zotero:K9E2RBW5"}
    assert [r["paper"]["id"] for r in api.api_related("zotero:3WQYD7HU", collections=["NLP"], tags=["to-read"])] == [
        "zotero:E5HQ2V8M"
    ]
    index = ["--index", str(zotero_library.settings.index_dir)]
    assert main(["search", query, "--tag", "pdf-parsing", "--json", *index]) == 0
    assert main(["ask", "What does PaperMage unify?", "--collection", "nlp", *index]) == 0
    assert main(["related", "zotero:3WQYD7HU", "--collection", "Document Understanding", *index]) == 0
    out = capsys.readouterr().out
    assert "Optimized Table Tokenization" in out and "Quantum Criticality" not in out


def test_a_follow_up_question_stays_inside_the_chosen_collection(zotero_library: Library, monkeypatch) -> None:
    """A follow-up pins the papers the conversation is about (here NOVER, in NLP only), but every passage
    it reads stays inside the collection the user chose."""
    question = "How is the verifier avoided in reinforcement learning training?"
    first = zotero_library.ask(question)
    assert "E5HQ2V8M" in _keys(s.hit.paper_id for s in first.sources)
    read: list[tuple[Filters | None, set[str]]] = []
    retrieve = zotero_library.retrieve

    def spy(query, **kwargs):
        hits, vector = retrieve(query, **kwargs)
        read.append((kwargs.get("filters"), _keys(h.paper_id for h in hits)))
        return hits, vector

    monkeypatch.setattr(zotero_library, "retrieve", spy)
    scoped = Filters(collections=["Document Understanding"])
    follow = zotero_library.ask(question.replace("the", "a", 1), history=[(question, first.to_dict())], filters=scoped)
    assert len(read) >= 2  # a follow-up: read on its own, then with the conversation's papers
    assert all(f is not None and f.collections == ["Document Understanding"] for f, _ in read)
    assert all(found <= DOC_UNDERSTANDING for _, found in read)
    assert _keys(s.hit.paper_id for s in follow.sources) <= DOC_UNDERSTANDING


def test_trashed_and_removed_items_leave_at_the_next_sync(fixture_dir: Path, make_library, tmp_path: Path) -> None:
    data = tmp_path / "zotero-data"
    shutil.copytree(fixture_dir / "zotero-data", data)
    _lighten(data, "C6PLM2TZ")  # PaperMage from its abstract: less to embed
    library = make_library()
    place = zotero_place(str(data), "Document Understanding")
    first = sync(library, [place])
    assert _keys(pid for pid, _, _ in first.added) == DOC_UNDERSTANDING
    with sqlite3.connect(data / "zotero.sqlite") as con:
        con.execute("INSERT INTO deletedItems (itemID) SELECT itemID FROM items WHERE key = 'K9E2RBW5'")
    report = sync(library, [place])
    assert [pid for pid, _ in report.removed] == ["zotero:K9E2RBW5"] and report.added == []
    assert _keys(p.id for p in library.papers()) == DOC_UNDERSTANDING - {"K9E2RBW5"}


def test_a_locked_database_is_read_from_a_copy(fixture_dir: Path, tmp_path: Path) -> None:
    data = tmp_path / "zotero-data"
    shutil.copytree(fixture_dir / "zotero-data", data)
    holder = sqlite3.connect(data / "zotero.sqlite")  # as Zotero does while it runs
    holder.execute("PRAGMA locking_mode = EXCLUSIVE")
    holder.execute("BEGIN EXCLUSIVE")
    try:
        items, notes = read_library(data)
        assert {i.key for i in items} == ALL
        assert [(n.source, n.reason) for n in notes] == [
            (str(data / "zotero.sqlite"), "locked (Zotero is running): read from a copy")
        ]
    finally:
        holder.rollback()
        holder.close()
    assert sorted(p.name for p in data.iterdir()) == ["storage", "zotero.sqlite"]  # never written beside


def test_corrupt_and_unknown_databases_are_one_line_and_keep_what_was_indexed(
    fixture_dir: Path, make_library, tmp_path: Path, capsys
) -> None:
    data = tmp_path / "zotero-data"
    shutil.copytree(fixture_dir / "zotero-data", data)
    _lighten(data, "FX2B9NRL", "C6PLM2TZ", "T4MX8HQF")  # the items are indexed from their abstracts
    library = make_library()
    index = ["--index", str(library.settings.index_dir)]
    assert main(["sync", "--zotero", str(data), "--collection", "NLP", *index]) == 1  # missing attachments
    out = capsys.readouterr().out
    assert "problem    Zotero 3WQYD7HU 'PaperMage: A Unified Toolkit" in out and "file not found" in out
    indexed = {p.id for p in library.papers()}
    assert {"zotero:VJ5M4QXE", "zotero:3WQYD7HU", "zotero:E5HQ2V8M"} <= indexed  # from their abstracts

    db = data / "zotero.sqlite"
    good = db.read_bytes()
    with sqlite3.connect(db) as con:
        con.execute("UPDATE version SET version = 12 WHERE schema = 'userdata'")
    assert main(["sync", "--zotero", str(data), "--collection", "NLP", *index]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("problem")]
    assert lines == [
        f"problem    {db}: unknown Zotero database version (userdata version 12); papers reads Zotero 5 and later"
    ]
    db.write_bytes(b"SQLite format 3\x00" + b"\x13" * 4096)  # a torn, corrupt file
    assert main(["sync", "--zotero", str(data), "--collection", "NLP", *index]) == 1
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("problem")]
    assert len(lines) == 1 and lines[0].startswith(f"problem    {db}: not a readable Zotero database")
    assert {p.id for p in library.papers()} == indexed  # nothing lost
    db.write_bytes(good)
    errors = [e for e in zotero_entries(str(tmp_path / "nowhere")) if isinstance(e, SourceError)]
    assert len(errors) == 1 and "no zotero.sqlite here" in errors[0].reason


def test_better_bibtex_file_fields_give_the_pdfs_under_the_entries_metadata(fixture_dir: Path) -> None:
    loaded = list(load_bibtex(fixture_dir / "library.bib"))
    papers = {p.id: p for p in loaded if isinstance(p, Paper)}
    assert not [e for e in loaded if isinstance(e, SourceError)]
    murray = papers["arxiv:1111.2011"]
    assert murray.authors == ["James M. Murray", "Adrian Del Maestro", "Zlatko Tešanović"]  # LaTeX decoded
    assert murray.pages == 8 and murray.extra["tags"] == ["quantum criticality"] and murray.source == "bibtex"
    assert murray.extra["file"].endswith(
        "R3HK6ZPA/Murray et al. - 2012 - Quantum Criticality for Extended Nodes "
        "on a Bethe Lattice in the Large Connectivity Limit.pdf"
    )
    assert papers["arxiv:2505.16022"].pages == 0  # no file: its abstract
    assert len(papers) == 6


def test_attachments_that_cannot_be_found_are_one_line_each_and_keep_what_was_indexed(
    fixture_dir: Path, make_library, tmp_path: Path
) -> None:
    """A linked file moved away, a stored file gone (storage not synced, a drive unmounted) and a path
    relative to Zotero's base folder (a preference, not in the database): one line each; what the PDFs
    gave before stays indexed, and the other items are synced."""
    data = tmp_path / "zotero-data"
    shutil.copytree(fixture_dir / "zotero-data", data)
    _lighten(data, "C6PLM2TZ")  # PaperMage from its abstract: less to embed
    linked = tmp_path / "linked" / "two-column.pdf"
    linked.parent.mkdir()
    shutil.copy(fixture_dir / "linked-files" / "pypdf-samples-multicolumn.pdf", linked)
    db = data / "zotero.sqlite"
    with sqlite3.connect(db) as con:
        con.execute(
            "UPDATE itemAttachments SET path = ? WHERE itemID = (SELECT itemID FROM items WHERE key = 'P7WB3N6S')",
            (str(linked),),
        )
    library = make_library()
    place = zotero_place(str(data), "Document Understanding")
    first = sync(library, [place])
    assert _keys(pid for pid, _, _ in first.added) == DOC_UNDERSTANDING
    before = {p.id: (p.pages, p.chunks) for p in library.papers()}
    assert before["zotero:L2YF7K3D"][0] > 0 and before["zotero:K9E2RBW5"][0] == 1  # from their PDFs

    linked.unlink()
    (data / "storage" / "T4MX8HQF" / "2305.03393v1-pg9.pdf").unlink()
    with sqlite3.connect(db) as con:  # an attachment in Zotero's base folder, and a new item for the rest
        con.execute(
            "UPDATE itemAttachments SET linkMode = 2, path = 'attachments:Papers/table.pdf' "
            "WHERE itemID = (SELECT itemID FROM items WHERE key = 'T4MX8HQF')"
        )
        con.execute(
            "INSERT INTO collectionItems (collectionID, itemID, orderIndex) "
            "SELECT 2, itemID, 9 FROM items WHERE key = 'E5HQ2V8M'"
        )
    report = sync(library, [place])
    problems = sorted(report.problems)
    assert [source for source, _ in problems] == [
        "Zotero K9E2RBW5 'Optimized Table Tokenization for Table Structure Recognition' attachment T4MX8HQF",
        "Zotero L2YF7K3D 'Two-Column Document with Lorem Ipsum' attachment P7WB3N6S",
    ]
    assert problems[0][1] == "file cannot be located from its Zotero path 'attachments:Papers/table.pdf'"
    assert problems[1][1] == f"file not found: {linked}"
    assert _keys(pid for pid, _, _ in report.added) == {"E5HQ2V8M"} and report.removed == []
    after = {p.id: (p.pages, p.chunks) for p in library.papers()}
    assert {pid: after[pid] for pid in before} == before  # nothing indexed from the PDFs was lost


def test_a_bib_file_field_to_a_missing_pdf_is_one_line_and_the_entry_keeps_its_abstract(tmp_path: Path) -> None:
    bib = tmp_path / "library.bib"
    bib.write_text(
        "@article{gone,\n  title = {Sparse retrieval at scale},\n  abstract = {Sparse retrieval is studied.},\n"
        "  file = {moved/sparse.pdf}\n}\n"
        "@article{plain,\n  title = {Dense retrieval},\n  abstract = {Dense retrieval is studied.}\n}\n",
        encoding="utf-8",
    )
    loaded = list(load_bibtex(bib))
    errors = [e for e in loaded if isinstance(e, SourceError)]
    pdf = tmp_path / "moved" / "sparse.pdf"  # relative to the .bib file
    assert [(e.source, e.reason, e.paper_id) for e in errors] == [
        (f"{bib}:1 @gone file {pdf}", f"file not found: {pdf}", "gone")  # kept if it was indexed from the PDF
    ]
    papers = {p.id: p for p in loaded if isinstance(p, Paper)}
    assert set(papers) == {"gone", "plain"} and papers["gone"].pages == 0  # from its abstract
