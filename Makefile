# Two commands do all the set-up (see README): `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test install index lint browser-deps ocr-deps clean heldout-pdfs train-pdfs

# torch is installed first and pinned: a loose range resolved first downloads GBs of CUDA wheels.
$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

index: install
	$(BIN)/papers ingest data/

demo: index
	$(BIN)/papers serve

lint: install
	$(BIN)/ruff check .

test: install browser-deps ocr-deps lint
	$(BIN)/pytest

# Debian's chromium and npm's playwright-core drive the browser tests; without them those tests
# skip with a reason (e.g. on a machine where apt needs a password), the rest still run.
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; } \
		|| echo "note: could not install chromium; browser tests will be skipped"
	@[ ! -f package.json ] || [ -d node_modules/playwright-core ] || npm ci --no-audit --no-fund --silent \
		|| echo "note: could not install playwright-core; browser tests will be skipped"
	@fc-list :lang=zh 2>/dev/null | grep -q . || { apt-get update -qq && apt-get install -y -qq fonts-wqy-microhei >/dev/null; } \
		|| echo "note: no Chinese font; screenshots of the Chinese UI show boxes (the checks read text)"

# Debian's tesseract (English + orientation detection) OCRs scanned pages; more languages are packages too
# (tesseract-ocr-deu, tesseract-ocr-chi-sim). Without it the OCR tests skip with a reason, the rest still run.
ocr-deps:
	@command -v tesseract >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-eng tesseract-ocr-osd >/dev/null; } \
		|| echo "note: could not install tesseract-ocr; OCR tests will be skipped"

# The held-out benchmark's five PDFs (pinned Debian R packages; apt-get download + dpkg -x). Not run by tests/CI.
heldout-pdfs: install
	$(BIN)/python -m bench.heldout

# The training papers (pinned Debian R packages, bench/train_papers.py): more varied papers for fitting
# the answer scorer and the answerability model. Not run by tests/CI.
train-pdfs: install
	$(BIN)/python -m bench.train_papers

clean:
	rm -rf $(VENV) node_modules .pytest_cache
