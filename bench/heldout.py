"""The held-out papers: five statistics articles (Journal of Statistical Software style) that no weight of
the answerer was fitted on, fetched from the Debian packages of R that ship them as vignettes.

    python -m bench.heldout                      # fetch into ~/.cache/papers-bench/heldout (or $PAPERS_BENCH_HELDOUT)
    python -m bench.heldout --debs /tmp/s7deb    # use .deb files already downloaded there (no apt needed)
    make heldout-pdfs                            # the same as the first line

Each package version is pinned (the PDFs inside, and so the questions' spans and pages, change with it):
`apt-get download PKG=VERSION` into DIR/debs, `dpkg -x` into a temporary folder, the vignette copied to
DIR/pdfs and its sha256 checked. Nothing here runs in tests or CI; the question sets that use these PDFs
are bench/questions/heldout_*.jsonl (split "test": never trained on), scored by
`python -m bench.eval_answers heldout`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

HELDOUT_DIR = Path(os.environ.get("PAPERS_BENCH_HELDOUT", Path.home() / ".cache" / "papers-bench" / "heldout"))


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
        """How `apt-get download` names the file (the epoch-free version, ':' and '+' kept as apt writes them)."""
        return f"{self.package}_{self.version}_"


VIGNETTES = (
    Vignette(
        "r-cran-lme4",
        "1.1-31-1",
        "usr/lib/R/site-library/lme4/doc/lmer.pdf",
        "d13d6caf549b44c3543d01a7445c327ac472d266a8aee24f68a8d31d45d02ec9",
    ),
    Vignette(
        "r-cran-pscl",
        "1.5.5-1+b1",
        "usr/lib/R/site-library/pscl/doc/countreg.pdf",
        "8ff9cb8331837ff2d21c4a840efbe4e5bdc10a1008edc0c39b8ba47d145cea04",
    ),
    Vignette(
        "r-cran-sandwich",
        "3.0-2-1",
        "usr/lib/R/site-library/sandwich/doc/sandwich-CL.pdf",
        "f3a765482a629c8c9369020d13632ec5c37520df17e22266eb9e2928270e94bb",
    ),
    Vignette(
        "r-cran-strucchange",
        "1.5-3-1",
        "usr/lib/R/site-library/strucchange/doc/strucchange-intro.pdf",
        "56587481ea07ff51645290c24e328d4461656bcbf19d6e9426056e7559a4a198",
    ),
    Vignette(
        "r-cran-zoo",
        "1.8-11-1",
        "usr/lib/R/site-library/zoo/doc/zoo.pdf",
        "fd63de7b0dc3122272339ff49e6ceeb47ea71a89a9cb5b7c411c78a7d6c8c332",
    ),
)


class HeldoutError(RuntimeError):
    """A held-out PDF could not be fetched or is not the pinned file."""


def pdf_paths(folder: Path = HELDOUT_DIR) -> list[Path]:
    return [folder / "pdfs" / v.name for v in VIGNETTES]


def present(folder: Path = HELDOUT_DIR) -> bool:
    """All five PDFs are in `folder` (checked by name; `fetch` checked their sha256 when it wrote them)."""
    return all(p.is_file() for p in pdf_paths(folder))


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
        raise HeldoutError(
            f"apt-get not found: on a Debian/Ubuntu machine run `apt-get download {vignette.spec}`, "
            f"then pass the folder holding the .deb with --debs"
        )
    debs.mkdir(parents=True, exist_ok=True)
    run = subprocess.run(["apt-get", "download", vignette.spec], cwd=debs, capture_output=True, text=True)
    if run.returncode != 0 or (deb := find_deb(vignette, [debs])) is None:
        reason = (run.stderr.strip().splitlines() or ["no .deb written"])[-1]
        raise HeldoutError(
            f"`apt-get download {vignette.spec}` failed ({reason}). The PDFs are pinned to this version "
            f"(Debian bookworm): run `apt-get update` with a bookworm source, or download the .deb from "
            f"snapshot.debian.org and pass its folder with --debs. Another version would not match the questions."
        )
    return deb


def extract(vignette: Vignette, deb: Path, target: Path) -> None:
    """`dpkg -x` the package into a temporary folder and copy out the one PDF, checked against its sha256."""
    with tempfile.TemporaryDirectory(prefix="papers-heldout-") as tmp:
        run = subprocess.run(["dpkg", "-x", str(deb), tmp], capture_output=True, text=True)
        source = Path(tmp) / vignette.member
        if run.returncode != 0 or not source.is_file():
            raise HeldoutError(f"{deb}: `dpkg -x` gave no {vignette.member} ({run.stderr.strip() or 'not in package'})")
        if (digest := sha256(source)) != vignette.sha256:
            raise HeldoutError(
                f"{deb}: {vignette.name} has sha256 {digest}, expected {vignette.sha256} (not {vignette.spec}?)"
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)


def fetch(folder: Path = HELDOUT_DIR, debs_from: list[Path] | None = None) -> list[Path]:
    """The five PDFs in `folder`/pdfs, fetched and checked where missing or not the pinned file."""
    debs = folder / "debs"
    for vignette in VIGNETTES:
        target = folder / "pdfs" / vignette.name
        if target.is_file() and sha256(target) == vignette.sha256:
            print(f"ok       {target}")
            continue
        deb = find_deb(vignette, [*(debs_from or []), debs]) or download_deb(vignette, debs)
        extract(vignette, deb, target)
        print(f"fetched  {target}  (from {deb.name})")
    return pdf_paths(folder)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=HELDOUT_DIR, help=f"cache folder (default {HELDOUT_DIR})")
    parser.add_argument("--debs", type=Path, action="append", help="a folder of already downloaded .deb files")
    args = parser.parse_args(argv)
    try:
        fetch(args.dir, args.debs)
    except HeldoutError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
