"""Article-style PDFs shipped as vignettes in Debian's R packages, fetched pinned: the shared part of the
bench's paper sets (the held-out papers, bench/heldout.py; the training papers, bench/train_papers.py).

Each package version is pinned (the PDF inside, and so the questions' spans and pages, change with it):
`apt-get download PKG=VERSION` into DIR/debs, `dpkg -x` into a temporary folder, the vignette copied to
DIR/pdfs and its sha256 checked. Nothing here runs in tests or CI.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


@dataclass(frozen=True)
class Vignette:
    package: str
    version: str
    member: str  # the PDF's path inside the package
    sha256: str

    @property
    def name(self) -> str:
        return Path(self.member).name

    @property
    def spec(self) -> str:
        return f"{self.package}={self.version}"

    @property
    def deb_prefix(self) -> str:
        """How `apt-get download` names the file (an epoch's ':' written as '%3a', '+' kept)."""
        return f"{self.package}_{self.version.replace(':', '%3a')}_"

    @property
    def paper_id(self) -> str:
        """The id the product gives this PDF (no DOI in these vignettes: its content hash)."""
        return f"pdf:{self.sha256[:16]}"

    def fetch_into(self, target: Path, folder: Path, debs_from: list[Path]) -> str:
        """The pinned PDF written to `target` from its package (a .deb at hand, else `apt-get download` into
        folder/debs); returns the package file's name."""
        debs = folder / "debs"
        deb = find_deb(self, [*debs_from, debs]) or download_deb(self, debs)
        extract(self, deb, target)
        return deb.name


class PinnedPdf(Protocol):
    """A paper of a bench set, fetched from where it is published and checked against its sha256."""

    sha256: str

    @property
    def name(self) -> str: ...

    @property
    def paper_id(self) -> str: ...

    def fetch_into(self, target: Path, folder: Path, debs_from: list[Path]) -> str: ...


class FetchError(RuntimeError):
    """A pinned PDF could not be fetched or is not the pinned file."""


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def find_deb(vignette: Vignette, folders: list[Path]) -> Path | None:
    for folder in folders:
        found = sorted(folder.glob(f"{vignette.deb_prefix}*.deb")) if folder.is_dir() else []
        if found:
            return found[0]
    return None


def download_deb(vignette: Vignette, debs: Path) -> Path:
    """`apt-get download PKG=VERSION` into `debs`; a clear error saying what to do when apt cannot."""
    if shutil.which("apt-get") is None:
        raise FetchError(
            f"apt-get not found: on a Debian/Ubuntu machine run `apt-get download {vignette.spec}`, "
            f"then pass the folder holding the .deb with --debs"
        )
    debs.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(["apt-get", "download", vignette.spec], cwd=debs, capture_output=True, text=True)
    if run.returncode != 0 or (deb := find_deb(vignette, [debs])) is None:
        reason = (run.stderr.strip().splitlines() or ["no .deb written"])[-1]
        raise FetchError(
            f"`apt-get download {vignette.spec}` failed ({reason}). The PDFs are pinned to this version "
            f"(Debian bookworm): run `apt-get update` with a bookworm source, or download the .deb from "
            f"snapshot.debian.org and pass its folder with --debs. Another version would not match the questions."
        )
    return deb


def extract(vignette: Vignette, deb: Path, target: Path) -> None:
    """`dpkg -x` the package into a temporary folder and copy out the one PDF, checked against its sha256."""
    with tempfile.TemporaryDirectory(prefix="papers-debian-pdfs-") as tmp:
        run = subprocess.run(["dpkg", "-x", str(deb), tmp], capture_output=True, text=True)
        source = Path(tmp) / vignette.member
        if run.returncode != 0 or not source.is_file():
            raise FetchError(f"{deb}: `dpkg -x` gave no {vignette.member} ({run.stderr.strip() or 'not in package'})")
        if (digest := sha256(source)) != vignette.sha256:
            raise FetchError(
                f"{deb}: {vignette.name} has sha256 {digest}, expected {vignette.sha256} (not {vignette.spec}?)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


@dataclass(frozen=True)
class VignetteSet:
    """One of the bench's paper sets: its pinned vignettes (and other pinned PDFs, bench/pypi_pdfs.py) and the
    cache folder they are fetched into."""

    vignettes: tuple[PinnedPdf, ...]
    folder: Path

    def pdf_paths(self, folder: Path | None = None) -> list[Path]:
        return [(folder or self.folder) / "pdfs" / v.name for v in self.vignettes]

    def present(self, folder: Path | None = None) -> bool:
        """All the PDFs are in the folder (checked by name; `fetch` checked their sha256 when it wrote them)."""
        return all(p.is_file() for p in self.pdf_paths(folder))

    def fetch(self, folder: Path | None = None, debs_from: list[Path] | None = None) -> list[Path]:
        """The PDFs in the folder's pdfs/, fetched and checked where missing or not the pinned file."""
        folder = folder or self.folder
        for vignette in self.vignettes:
            target = folder / "pdfs" / vignette.name
            if target.is_file() and sha256(target) == vignette.sha256:
                print(f"ok       {target}")
                continue
            source = vignette.fetch_into(target, folder, debs_from or [])
            print(f"fetched  {target}  (from {source})")
        return self.pdf_paths(folder)

    def main(self, doc: str | None, argv: list[str] | None = None) -> int:
        """The command line of a set's module: `--dir` (its cache folder) and `--debs` (.deb files at hand)."""
        parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
        parser.add_argument("--dir", type=Path, default=self.folder, help=f"cache folder (default {self.folder})")
        parser.add_argument("--debs", type=Path, action="append", help="a folder of already downloaded .deb files")
        args = parser.parse_args(argv)
        try:
            self.fetch(args.dir, args.debs)
        except FetchError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        return 0
