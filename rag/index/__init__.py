"""The index: Chroma store (the only code that speaks Chroma), BM25 beside it, the embedder and its caches."""
