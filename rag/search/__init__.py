"""Retrieval over the index: filters, dense/BM25/hybrid ranking, fusion, optional cross-encoder rerank."""
