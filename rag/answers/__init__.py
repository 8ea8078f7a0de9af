"""Answers: their types, the extractive answerer, the grounded LLM prompt, the citation check every
answer passes through, follow-up resolution, and the pipeline that runs them in order."""
