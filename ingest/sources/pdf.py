"""PDF source: the registry's entry points; the work is done in `ingest.pdf` and `ingest.download`."""

from ingest.download import download_pdf
from ingest.pdf.document import load_pdf

__all__ = ["download_pdf", "load_pdf"]
