"""`papers sync` on real folders: new, changed, touched, moved and vanished files; what a no-change run
costs; the removal guard; bad inputs (a folder gone, a symlink loop, a file changing while read)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from ingest.sources.folder import file_entry
from rag.features.sync import Place, folder_place, sync
from tests.pdf_factory import make_paper_pdf
from ui.cli import main


def _write_jsonl(path: Path, *titles: str) -> None:
    lines = [
        json.dumps({"id": f"t-{t.split()[0].lower()}", "title": t, "abstract": f"{t} is studied here in depth."})
        for t in titles
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


class EncodeCounter:
    """Counts the texts the library encodes (a run that embeds nothing must count zero)."""

    def __init__(self, library, monkeypatch: pytest.MonkeyPatch) -> None:
        self.texts = 0
        original = library.engine.encode_passages

        def counted(texts):
            self.texts += len(texts)
            return original(texts)

        monkeypatch.setattr(library.engine, "encode_passages", counted)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "papers"
    _write_jsonl(root / "a.jsonl", "Alpha retrieval models", "Beta ranking tricks")
    _write_jsonl(root / "deep" / "b.jsonl", "Gamma reranking with cross encoders")
    return root


def _ids(library) -> set[str]:
    return {p.id for p in library.papers()}


def test_sync_adds_then_a_rerun_reads_and_embeds_nothing(make_library, folder, monkeypatch) -> None:
    library = make_library()
    plan = sync(library, [folder_place(str(folder))], dry_run=True)
    assert sorted(plan.to_add) == [str(folder / "a.jsonl"), str(folder / "deep" / "b.jsonl")]
    assert not library.store.exists()  # a dry run writes nothing

    first = sync(library, [folder_place(str(folder))])
    assert {pid for pid, _, _ in first.added} == {"t-alpha", "t-beta", "t-gamma"}
    assert _ids(library) == {"t-alpha", "t-beta", "t-gamma"}

    counter = EncodeCounter(library, monkeypatch)
    again = sync(library, [folder_place(str(folder))])
    assert (again.added, again.updated, again.removed, again.unchanged) == ([], [], [], 2)
    assert counter.texts == 0


def test_changed_touched_and_vanished_files(make_library, folder, monkeypatch) -> None:
    library = make_library()
    place = folder_place(str(folder))
    sync(library, [place])
    counter = EncodeCounter(library, monkeypatch)

    os.utime(folder / "a.jsonl", ns=(1, 1))  # touched, same bytes: noted, not read again
    touched = sync(library, [place])
    assert (touched.added, touched.updated, touched.unchanged, counter.texts) == ([], [], 2, 0)

    _write_jsonl(folder / "a.jsonl", "Alpha retrieval models", "Delta sparse indexes")  # Beta replaced by Delta
    changed = sync(library, [place])
    assert [pid for pid, _, _ in changed.updated] == ["t-delta"]  # Alpha's content is unchanged: not re-embedded
    assert [pid for pid, _ in changed.removed] == ["t-beta"]
    assert _ids(library) == {"t-alpha", "t-delta", "t-gamma"}

    (folder / "deep" / "b.jsonl").unlink()
    vanished = sync(library, [place])
    assert [pid for pid, _ in vanished.removed] == ["t-gamma"]
    assert _ids(library) == {"t-alpha", "t-delta"}
    assert library.search("sparse indexes", k=1)[0].paper_id == "t-delta"  # BM25 and dense follow


def test_a_moved_file_keeps_its_papers_without_embedding(make_library, folder, monkeypatch) -> None:
    library = make_library()
    sync(library, [folder_place(str(folder))])
    counter = EncodeCounter(library, monkeypatch)
    shutil.move(folder / "deep" / "b.jsonl", folder / "b-moved.jsonl")
    moved = sync(library, [folder_place(str(folder))])
    assert moved.removed == [] and counter.texts == 0
    assert "t-gamma" in _ids(library)


def test_removing_most_of_a_folder_needs_yes(make_library, folder, capsys) -> None:
    library = make_library()
    index = ["--index", str(library.settings.index_dir)]
    assert main(["sync", str(folder), *index]) == 0
    capsys.readouterr()
    (folder / "a.jsonl").unlink()  # 2 of 3 papers
    assert main(["sync", str(folder), *index]) == 1
    out = capsys.readouterr().out
    assert "held back  removing 2 of the 3 papers" in out and "--yes" in out
    assert main(["sync", str(folder), "--dry-run", "--yes", *index]) == 0
    assert f"would remove {folder / 'a.jsonl'}" in capsys.readouterr().out
    assert _ids(library) == {"t-alpha", "t-beta", "t-gamma"}  # neither the refusal nor the dry run removed
    assert main(["sync", str(folder), "--yes", *index]) == 0
    assert _ids(library) == {"t-gamma"}


def test_a_folder_that_disappears_removes_nothing(make_library, folder, capsys) -> None:
    library = make_library()
    index = ["--index", str(library.settings.index_dir)]
    assert main(["sync", str(folder), *index]) == 0
    shutil.rmtree(folder)
    assert main(["sync", str(folder), *index]) == 1
    out = capsys.readouterr().out
    problems = [line for line in out.splitlines() if line.startswith("problem")]
    gone = "folder not found (moved or unmounted?); what was indexed from it is kept"
    assert problems == [f"problem    {folder}: {gone}"]
    assert _ids(library) == {"t-alpha", "t-beta", "t-gamma"}


def test_symlink_loop_and_a_broken_pdf_are_one_line_each_and_the_rest_goes_on(make_library, folder) -> None:
    (folder / "deep" / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 not really a pdf")
    make_paper_pdf(folder / "paper.pdf")
    library = make_library()
    report = sync(library, [folder_place(str(folder))])
    assert len(report.problems) == 2, report.problems
    broken, loop = sorted(report.problems)
    assert broken[0] == str(folder / "broken.pdf")
    assert loop[0] == str(folder / "deep" / "loop") and loop[1].startswith("symlink loop")
    assert {"t-alpha", "t-beta", "t-gamma"} <= _ids(library)
    assert any(p.source == "pdf" for p in library.papers())
    again = sync(library, [folder_place(str(folder))])
    assert again.removed == [] and again.added == []


def test_a_file_changing_while_read_is_left_for_the_next_sync(make_library, folder) -> None:
    library = make_library()
    sync(library, [folder_place(str(folder))])
    target = folder / "a.jsonl"
    _write_jsonl(target, "Alpha retrieval models", "Epsilon streaming indexes")

    def entries():
        entry = file_entry(target)
        original = entry.load

        def load_while_writing(**opts):
            papers = list(original(**opts))
            _write_jsonl(target, "Alpha retrieval models", "Epsilon streaming indexes", "Zeta tail")  # still writing
            return iter(papers)

        entry.load = load_while_writing
        yield entry
        yield file_entry(folder / "deep" / "b.jsonl")

    place = Place(str(folder), str(folder), entries, [folder])
    report = sync(library, [place])
    assert report.problems == [(str(target), "changed while it was read; it is read again at the next sync")]
    assert _ids(library) == {"t-alpha", "t-beta", "t-gamma"}  # nothing written from it, nothing lost
    settled = sync(library, [folder_place(str(folder))])
    assert {pid for pid, _, _ in settled.updated} == {"t-epsilon", "t-zeta"}
    assert _ids(library) == {"t-alpha", "t-epsilon", "t-zeta", "t-gamma"}


def test_a_bib_export_is_mirrored_as_one_file(make_library, tmp_path: Path) -> None:
    bib = tmp_path / "library.bib"
    entry = (
        "@article{{{key},\n  title = {{{title}}},\n  abstract = {{{title} is the subject.}},\n  year = {{2024}}\n}}\n"
    )
    bib.write_text(entry.format(key="one", title="Sparse retrieval") + entry.format(key="two", title="Dense retrieval"))
    library = make_library()
    assert {pid for pid, _, _ in sync(library, [folder_place(str(bib))]).added} == {"one", "two"}
    bib.write_text(entry.format(key="one", title="Sparse retrieval"))  # an entry deleted in the manager
    assert [pid for pid, _ in sync(library, [folder_place(str(bib))]).removed] == ["two"]
    assert _ids(library) == {"one"}
