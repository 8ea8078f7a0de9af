"""PDF ingestion: pypdf extraction → clean lines → paragraphs, headings and a `Paper` with provenance."""

from ingest.pdf.document import load_pdf

__all__ = ["load_pdf"]
