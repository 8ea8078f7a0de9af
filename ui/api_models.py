"""What callers of the HTTP API and the MCP tools may send: typed, bounded, and described for the schema."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from rag import Filters

MAX_K = 50  # passages or papers one call returns at most


class FilterSpec(BaseModel):
    """Which papers a search or a question may see; empty fields mean no constraint."""

    model_config = ConfigDict(extra="forbid")

    papers: list[str] = Field(default_factory=list, description="Only these paper ids.")
    authors: list[str] = Field(default_factory=list, description="Only papers with one of these authors (substring).")
    year_min: int | None = Field(None, description="Only papers from this year on.")
    year_max: int | None = Field(None, description="Only papers up to this year.")
    categories: list[str] = Field(default_factory=list, description="Only these arXiv categories, e.g. cs.CL.")
    sources: list[str] = Field(default_factory=list, description="Only papers from these sources (pdf, arxiv, ...).")
    include_references: bool = Field(False, description="Also search References sections.")

    def to_filters(self) -> Filters:
        return Filters(**self.model_dump())


class SearchRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    query: str = Field(min_length=1, max_length=2000, description="Keywords or a sentence.")
    k: int | None = Field(None, ge=1, le=MAX_K, description="How many passages (default 8).")
    mode: Literal["hybrid", "dense", "bm25"] | None = Field(None, description="Retrieval mode (default hybrid).")
    filters: FilterSpec | None = None


class AskRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    question: str = Field(min_length=1, max_length=2000, description="A question in any language.")
    k: int | None = Field(None, ge=1, le=MAX_K, description="Passages retrieved for the answer (default 8).")
    mode: Literal["extractive", "llm"] | None = Field(
        None, description="extractive (default: quoted sentences) or llm (needs PAPERS_LLM_BASE_URL)."
    )
    filters: FilterSpec | None = None


class RelatedRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    paper: str = Field(min_length=1, max_length=500, description="Paper id, arXiv id, or a unique part of a title.")
    k: int = Field(5, ge=1, le=MAX_K, description="How many papers.")
