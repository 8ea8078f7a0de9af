"""PDF source: the registry's entry points; the work is done in the `ingest.pdf` package."""

from ingest.pdf.document import load_pdf
from ingest.pdf.download import download_pdf

__all__ = ["download_pdf", "load_pdf"]
