"""`train_answerability --rows-cache`: collected rows are reused while what they depend on is unchanged, and
collected again when it changes (a fold encoder's file, the index folder, a newly built SciFact index)."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pytest

import bench.train_answerability as ta


@pytest.fixture()
def collections(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the passes over the questions; each pass returns rows marked with its number."""
    passes: list[int] = []

    def collect(args: argparse.Namespace):
        passes.append(len(passes) + 1)
        row = ta.Row(np.full(3, float(len(passes)), dtype=np.float32), False, True, False, "paper")
        return {"train": [row], "dev": []}, {"train": [], "dev": []}

    monkeypatch.setattr(ta, "collected_rows", collect)
    return passes


def _args(tmp_path: Path) -> argparse.Namespace:
    work = tmp_path / "W" / "pdfs"
    work.mkdir(parents=True)
    return argparse.Namespace(work=work, scifact_work=tmp_path / "W" / "scifact", rows_cache=tmp_path / "rows.pkl")


def test_rows_are_reused_until_a_fold_encoder_changes(tmp_path: Path, collections: list[int]) -> None:
    args = _args(tmp_path)
    fold = ta.folds_dir(args.work) / "fold-0"
    fold.mkdir(parents=True)
    (fold / "model.onnx").write_bytes(b"first fit")

    first, _ = ta.cached_rows(args)
    again, _ = ta.cached_rows(args)
    assert collections == [1]  # the second read came from the file
    assert again["train"][0][0][0] == first["train"][0][0][0] == 1.0

    (fold / "model.onnx").write_bytes(b"refitted")
    refreshed, _ = ta.cached_rows(args)
    assert collections == [1, 2]
    assert refreshed["train"][0][0][0] == 2.0


def test_another_index_folder_is_another_cache(tmp_path: Path, collections: list[int]) -> None:
    args = _args(tmp_path)
    ta.cached_rows(args)
    other = tmp_path / "V" / "pdfs"
    other.mkdir(parents=True)
    ta.cached_rows(argparse.Namespace(work=other, scifact_work=args.scifact_work, rows_cache=args.rows_cache))
    assert collections == [1, 2]


def test_indexing_scifact_makes_the_rows_stale(tmp_path: Path, collections: list[int]) -> None:
    args = _args(tmp_path)
    ta.cached_rows(args)  # no SciFact index yet: the rows have no claims
    (args.scifact_work / "index").mkdir(parents=True)
    ta.cached_rows(args)
    assert collections == [1, 2]
