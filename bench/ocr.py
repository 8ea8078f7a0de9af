"""OCR quality and speed: character error rate (CER) of tesseract on scan-like copies of born-digital pages,
measured against the pages' own text layer, and pages/s with 1 and with 2 tesseract processes at once.

    python -m bench.ocr                  # 4 text-heavy pages of the shared PDFs, scanned at 150 dpi
    python -m bench.ocr --pages 12       # more pages, spread over the shared PDFs
    python -m bench.ocr --dpi 300 --tilt 0
    python -m bench.ocr --answers        # also: the dev questions asked of scanned copies vs the originals

`--answers` indexes the shared PDFs and the bundled corpus twice, once with `ANSWER_PAPERS` replaced by
their scanned copies (every page OCR'd), and asks the dev-split questions on those papers
(bench/questions/pdfs_answerable.jsonl) of both: an answer is the same when both quote a sentence that
holds the expected answer, cited to the paper (or both miss). A few minutes: 22 pages are OCR'd. Apart
from the answerer: in how many of the papers' indexed passages the expected answer's text is found
(OCR's character errors lose it; a sentence quoted or not by a hair of score does not).

Each page is rendered greyscale at `--dpi`, tilted by `--tilt` degrees, JPEG-compressed and wrapped as an
image-only PDF (tests/scan_factory.py); `ingest.pdf.ocr` reads it back as ingest would (rendered at the
OCR resolution, orientation detection on), twice: with table rules kept (before) and painted out
(`OcrOptions.remove_rules`, what ingest does). Both texts are cleaned alike (`normalise_lines`; the arXiv
margin stamp dropped) and compared with whitespace collapsed. Two rates per page:

- CER (the target): edit distance between the whole page texts / reference length, summed over pages.
  Reading order counts: a table whose header rows, or a page whose floats, come out in another order
  scores worse though every character is right.
- aligned CER: each line of the text layer is matched to the span of the OCR text closest to it
  (edit distance with free start and end), wherever it lies; summed over lines / reference length.
  Order does not count, and neither does OCR text that matches no line (a rule read as "|"): a lower
  bound on the character errors, where the plain CER is an upper one.

Speed: the same scans go through `ocr_pages` with 1 worker, then 2 (one tesseract process each), for
`--rounds` alternating rounds, with rules kept and removed; pages/s of the best round of each, their
ratio, and the load average meanwhile (`uptime`). On 2 cores shared with other work the ratio is bounded
by the idle CPU, not by OCR.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ingest.pdf.clean import ARXIV_STAMP, normalise_lines  # noqa: E402
from ingest.pdf.extract import Line, iter_page_lines, open_reader, quiet_pypdf  # noqa: E402
from ingest.pdf.ocr import OcrOptions, ocr_pages  # noqa: E402
from tests.scan_factory import make_scanned_copy  # noqa: E402

PDFS = ROOT.parent / "shared" / "pdfs"
# (file, 0-based page): body-text pages first; --pages N takes the first N.
PAGES = [
    ("papermage.pdf", 1),
    ("1111.2011v2.pdf", 1),
    ("2206.10883v3.pdf", 2),
    ("2305.03393v1-pg9.pdf", 0),
    ("papermage.pdf", 3),
    ("2206.10883v3.pdf", 5),
    ("1111.2011v2.pdf", 4),
    ("papermage.pdf", 6),
    ("2206.10883v3.pdf", 8),
    ("papermage.pdf", 0),
    ("1111.2011v2.pdf", 0),
    ("2206.10883v3.pdf", 0),
]

# --answers: the papers asked about as scans (22 pages; their dev questions: 14 + 8 + 3)
ANSWER_PAPERS = ["papermage.pdf", "1111.2011v2.pdf", "2305.03393v1-pg9.pdf"]
WORKER_COUNTS = (1, 2)  # tesseract processes at once: pages/s of each, and their ratio
VARIANTS = {"rules kept": False, "rules removed": True}  # OcrOptions.remove_rules: before / after


def edit_distance(a: str, b: str, *, within: bool = False) -> int:
    """Levenshtein distance, one numpy row per character of `a` (the in-row insertions are a running
    minimum), so a 4,000-character page takes a fraction of a second. `within`: the distance from `a` to
    the closest span of `b` (skipping `b`'s start and end is free)."""
    if not a or not b:
        return len(a) if within else max(len(a), len(b))
    codes = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    steps = np.arange(len(b) + 1)
    row = np.zeros_like(steps) if within else steps.copy()
    for i, ch in enumerate(a, 1):
        substitute = row[:-1] + (codes != ord(ch))
        best = np.minimum(np.concatenate(([i], substitute)), row + 1)
        row = np.minimum.accumulate(best - steps) + steps
    return int(row.min() if within else row[-1])


def aligned_edits(reference_lines: list[str], hypothesis: str) -> int:
    """Edits of each reference line against the OCR span closest to it, wherever it is: order-free."""
    return sum(edit_distance(line, hypothesis, within=True) for line in reference_lines)


def cleaned_lines(lines: list[Line]) -> list[str]:
    [cleaned] = normalise_lines([lines])
    texts = (" ".join(ln.text.split()) for ln in cleaned if not ARXIV_STAMP.match(ln.text))
    return [text for text in texts if text]


def page_text(lines: list[Line]) -> str:
    return " ".join(cleaned_lines(lines))


def text_layer(path: Path, index: int) -> list[str]:
    """The page's text-layer lines, cleaned as OCR's are."""
    with quiet_pypdf():
        reader = open_reader(path, None)
        for k, lines in enumerate(iter_page_lines(reader, str(path))):
            if k == index:
                return cleaned_lines(lines)
    raise IndexError(index)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=4, help=f"how many pages (at most {len(PAGES)})")
    parser.add_argument("--dpi", type=int, default=150, help="scan resolution")
    parser.add_argument("--tilt", type=float, default=0.7, help="degrees the scanned page is tilted")
    parser.add_argument("--ocr-dpi", type=int, default=OcrOptions().dpi, help="resolution the scan is read at")
    parser.add_argument("--rounds", type=int, default=2, help="speed: rounds of 1 then 2 workers (best counts)")
    parser.add_argument("--answers", action="store_true", help="also compare answers from scanned copies")
    args = parser.parse_args()
    picked = [(name, index) for name, index in PAGES[: args.pages] if (PDFS / name).exists()]
    if not picked:
        sys.exit(f"bench/ocr: no shared PDFs under {PDFS}")

    with tempfile.TemporaryDirectory(prefix="papers-bench-ocr-") as tmp:
        scans, references = [], []
        for k, (name, index) in enumerate(picked):
            scan = Path(tmp) / f"scan-{k}.pdf"
            make_scanned_copy(PDFS / name, scan, pages=[index], dpi=args.dpi, tilt=args.tilt)
            scans.append(scan)
            references.append(text_layer(PDFS / name, index))

        # The same pages through the same pool, only its width (and whether rules are removed) differs;
        # alternated (1, 2, 1, 2, ...) so that all see the same shifts of the other load; best round counts.
        timings: dict[tuple[str, int], list[float]] = {(v, w): [] for v in VARIANTS for w in WORKER_COUNTS}
        cpu: dict[tuple[str, int], list[float]] = {key: [] for key in timings}
        loads: list[float] = []
        results: dict[str, list] = {}
        for _ in range(args.rounds):
            for variant, remove in VARIANTS.items():
                for workers in WORKER_COUNTS:
                    options = OcrOptions(dpi=args.ocr_dpi, workers=workers, remove_rules=remove)
                    loads.append(os.getloadavg()[0])
                    start, cpu_start = time.perf_counter(), _cpu_seconds()
                    results[variant] = _parallel(scans, options)
                    timings[variant, workers].append(time.perf_counter() - start)
                    cpu[variant, workers].append(_cpu_seconds() - cpu_start)
        loads.append(os.getloadavg()[0])

    print(f"scan: {args.dpi} dpi greyscale JPEG, tilt {args.tilt}°; read at {args.ocr_dpi} dpi, with orientation")
    print_rates(picked, references, results)
    for variant in VARIANTS:
        print(f"{variant}:")
        print_speed(len(picked), *_of_variant(variant, timings, cpu), loads)
    if args.answers:
        with tempfile.TemporaryDirectory(prefix="papers-bench-ocr-answers-") as tmp:
            compare_answers(Path(tmp))


def print_rates(picked: list[tuple[str, int]], references: list[list[str]], results: dict[str, list]) -> None:
    """CER and aligned CER of each page, with rules kept (before) and removed (after), in one table."""
    heads = [f"{kind} {variant.split()[-1]}" for kind in ("CER", "aligned") for variant in VARIANTS]
    print(f"{'page':26} {'ref chars':>9} " + " ".join(f"{h:>15}" for h in heads))
    totals = [0] * len(heads)
    chars = 0
    for k, ((name, index), lines) in enumerate(zip(picked, references, strict=True)):
        reference = " ".join(lines)
        chars += len(reference)
        edits = []
        for measure in (edit_distance, aligned_edits):
            for variant in VARIANTS:
                hypothesis = page_text(results[variant][k].lines)
                edits.append(measure(reference if measure is edit_distance else lines, hypothesis))
        totals = [t + e for t, e in zip(totals, edits, strict=True)]
        cells = " ".join(f"{e:6d} = {e / len(reference):6.2%}" for e in edits)
        print(f"{name + ' p.' + str(index + 1):26} {len(reference):9d} {cells}")
    cells = " ".join(f"{e:6d} = {e / chars:6.2%}" for e in totals)
    print(f"{'all':26} {chars:9d} {cells}")
    print(
        f"CER (target <= 3%): whole page texts, order counts; aligned: each text-layer line against its"
        f" closest OCR span, order-free. {' / '.join(VARIANTS)} = before / after"
    )


def _of_variant(
    variant: str, timings: dict[tuple[str, int], list[float]], cpu: dict[tuple[str, int], list[float]]
) -> tuple[dict[int, list[float]], dict[int, list[float]]]:
    return {w: timings[variant, w] for w in WORKER_COUNTS}, {w: cpu[variant, w] for w in WORKER_COUNTS}


def print_speed(n: int, timings: dict[int, list[float]], cpu: dict[int, list[float]], loads: list[float]) -> None:
    """Pages/s with 1 and with 2 tesseract processes (best round, and every round), their ratio, and how busy
    the machine was meanwhile: on a shared machine the ratio says as much about the other load as about OCR."""
    best = {w: min(timings[w]) for w in WORKER_COUNTS}
    for workers in WORKER_COUNTS:
        rounds = ", ".join(f"{n / t:.2f}" for t in timings[workers])
        print(
            f"speed: {workers} worker{'s' if workers > 1 else ' '} {n / best[workers]:.2f} pages/s best of"
            f" {len(timings[workers])} rounds ({rounds}); {sum(cpu[workers]) / n / len(cpu[workers]):.2f} CPU-s a page"
        )
    one, two = (n / best[w] for w in WORKER_COUNTS)
    print(
        f"speed: 2 workers / 1 worker = {two / one:.2f}x on {os.cpu_count()} cores; load average (1 min) from"
        f" {min(loads):.1f} to {max(loads):.1f} meanwhile; uptime: {_uptime()}"
    )
    per_page = sum(sum(c) for c in cpu.values()) / n / sum(len(c) for c in cpu.values())
    cores = os.cpu_count() or 1
    print(f"speed: {per_page:.2f} CPU-s a page: {cores} idle cores would read {cores / per_page:.2f} pages/s")
    if n < 2:
        print("speed: one page cannot run in parallel: use --pages 2 or more for the ratio to mean anything")


def _uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True, timeout=5).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "uptime unavailable"


def compare_answers(work: Path) -> None:
    """Dev questions on `ANSWER_PAPERS`, asked of an index of the originals and of one of scanned copies."""
    from bench.qa_sets import QASets, corpus_inputs, holds, norm
    from rag import Library, Settings

    originals = [str(PDFS / name) for name in ANSWER_PAPERS]
    others = [i for i in corpus_inputs() if i not in originals]
    outcomes: dict[str, list[bool]] = {}
    present: dict[str, list[bool]] = {}  # the answer's text is in the paper's passages (OCR kept it)
    question_ids: dict[str, str] = {}
    for label in ("original", "scanned"):
        library = Library(Settings(index_dir=work / f"index-{label}"))
        start = time.perf_counter()
        library.ingest(others)
        paper_ids = {}  # the id a question names → this index's id for the same paper
        for path in originals:
            source = Path(path)
            if label == "scanned":
                source = work / f"scanned-{source.name}"
                make_scanned_copy(Path(path), source, dpi=150, tilt=0.7)
            [(own_id, _, _)] = library.ingest([str(source)]).added
            question_ids.setdefault(path, own_id)  # the originals' ids, which the questions name
            paper_ids[question_ids[path]] = own_id
        print(f"{label:9} index built in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        questions = [q for q in QASets.load("dev").single if q.get("paper") in paper_ids]
        asked = questions
        outcomes[label] = [holds(library.ask(q["question"]), [paper_ids[q["paper"]]], q["answer"]) for q in questions]
        texts = {pid: norm(" ".join(h.text for h in library.store.passages_of(pid))) for pid in paper_ids.values()}
        present[label] = [norm(q["answer"]) in texts[paper_ids[q["paper"]]] for q in questions]
    same = [a == b for a, b in zip(outcomes["original"], outcomes["scanned"], strict=True)]
    n = len(same)
    for k, question in enumerate(asked):
        if outcomes["original"][k] != outcomes["scanned"][k]:
            print(
                f"  differs: {question['id']} {question['question']!r}: original {outcomes['original'][k]},"
                f" scanned {outcomes['scanned'][k]}; answer text in the scan's passages: {present['scanned'][k]}"
            )
    for name in ANSWER_PAPERS:
        own = [k for k, q in enumerate(asked) if q["paper"] == question_ids[str(PDFS / name)]]
        print(f"  {name}: {len(own)} questions, same outcome {sum(same[k] for k in own)}")
    print(
        f"answers: {n} dev questions on {', '.join(ANSWER_PAPERS)}; answered from the originals"
        f" {sum(outcomes['original'])}, from the scanned copies {sum(outcomes['scanned'])};"
        f" same outcome {sum(same)}/{n} = {sum(same) / n:.0%} (target >= 90%)"
    )
    print(
        f"answers: the expected answer's text is in the paper's passages: originals {sum(present['original'])}/{n},"
        f" scanned copies {sum(present['scanned'])}/{n} (what OCR kept, whichever sentences the answerer quotes)"
    )


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the tesseract processes)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _parallel(scans: list[Path], options: OcrOptions) -> list:
    """All scans as the pages of one document would go: through one pool, one tesseract per core."""
    import pypdfium2 as pdfium

    with tempfile.TemporaryDirectory(prefix="papers-bench-ocr-merged-") as tmp:
        merged = pdfium.PdfDocument.new()
        for scan in scans:
            source = pdfium.PdfDocument(str(scan))
            merged.import_pages(source)
            source.close()
        path = Path(tmp) / "merged.pdf"
        merged.save(str(path))
        merged.close()
        read = ocr_pages(path, list(range(len(scans))), options)
    return [read[i] for i in range(len(scans))]


if __name__ == "__main__":
    main()
