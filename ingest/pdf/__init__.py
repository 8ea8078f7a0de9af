"""PDF ingestion: pypdf extraction → clean lines → paragraphs, headings and a `Paper` with provenance."""

from ingest.pdf.document import load_pdf
from ingest.pdf.download import download_pdf

__all__ = ["download_pdf", "load_pdf"]
