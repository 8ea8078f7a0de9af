"""The ONNX Runtime encoder gives the same vectors as sentence-transformers, and search is unchanged."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from rag.index.models import resolve_model_path
from rag.index.onnx_encoder import OnnxEncoder, UnsupportedModel, check_supported, export_onnx, onnx_paths


def test_onnx_export_matches_sentence_transformers(bundled_library, tmp_path: Path) -> None:
    model_dir = Path(resolve_model_path("all-MiniLM-L6-v2"))
    if not model_dir.exists():
        pytest.skip("the packaged all-MiniLM-L6-v2 is not installed")
    fp32, _ = onnx_paths(tmp_path, "all-MiniLM-L6-v2")
    encoder = OnnxEncoder(model_dir, export_onnx(model_dir, fp32), threads=1)
    texts = ["short", "a much longer passage " * 80, "Verifier-free reinforcement learning for LLMs.", "中文摘要"]
    reference = bundled_library.embedder.encode(texts)
    got = encoder.encode(texts, batch_size=2)  # batches of unequal lengths: padding must not leak in
    assert got.shape == reference.shape == (4, 384)
    assert np.abs(got - reference).max() < 1e-4
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)

    # The same index answers the same through either backend (no sentence-transformers at query time).
    from rag import Library

    onnx_lib = Library(bundled_library.settings.model_copy(update={"encoder_backend": "onnx", "onnx_dir": tmp_path}))
    query = "pixel-space reasoning with zoom-in"
    reference = bundled_library.embedder.encode([query])[0]  # bulk encoding: sentence-transformers
    assert np.abs(onnx_lib.embedder.encode_query(query) - reference).max() < 1e-4
    assert [h.chunk_id for h in onnx_lib.search(query, k=5)] == [h.chunk_id for h in bundled_library.search(query, k=5)]


def test_models_the_onnx_path_cannot_reproduce_are_refused(tmp_path: Path) -> None:
    (tmp_path / "modules.json").write_text('[{"type": "sentence_transformers.models.Transformer"}]')
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(UnsupportedModel):
        check_supported(tmp_path)


def test_auto_backend_answers_a_question_without_importing_torch(make_library, tmp_path: Path) -> None:
    """The default backend: an ingest leaves an ONNX export behind, so a fresh process searches and
    answers without sentence-transformers or torch (the cold-start budget of `papers search`).
    Its own small index: another process must not share the session index's open SQLite files."""
    import subprocess
    import sys

    from .conftest import BUNDLED

    corpus = tmp_path / "three.jsonl"
    corpus.write_text("\n".join(BUNDLED.read_text(encoding="utf-8").splitlines()[:3]) + "\n", encoding="utf-8")
    lib = make_library()
    lib.ingest([str(corpus)])
    settings = lib.settings
    assert settings.encoder_backend == "auto"
    fp32, _ = onnx_paths(settings.onnx_dir, settings.embed_model)
    assert fp32.exists()  # exported at the end of the ingest
    script = (
        "import sys; from rag import Library, Settings; "
        f"lib = Library(Settings(index_dir={str(settings.index_dir)!r})); "
        "hits = lib.search('verifier-free reinforcement learning', k=3); "
        "answer = lib.ask('How does NOVER avoid an external verifier?'); "
        "print(hits[0].title); print(answer.refused); "
        "print(sorted(m for m in ('torch', 'sentence_transformers') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, check=True)
    title, refused, heavy = out.stdout.strip().splitlines()[-3:]
    assert "NOVER" in title
    assert refused == "False"
    assert heavy == "[]"


def test_models_saved_by_sentence_transformers_6_are_supported(tmp_path: Path) -> None:
    """sentence-transformers 6 writes `"pooling_mode": "mean"` where 5 wrote `pooling_mode_mean_tokens`: a model
    a user fine-tuned and saved with it still runs on the ONNX path."""
    import json

    kinds = ("Transformer", "Pooling", "Normalize")
    (tmp_path / "modules.json").write_text(json.dumps([{"type": f"sentence_transformers.x.{k}"} for k in kinds]))
    (tmp_path / "tokenizer.json").write_text("{}")
    (tmp_path / "1_Pooling").mkdir()
    (tmp_path / "1_Pooling" / "config.json").write_text('{"embedding_dimension": 384, "pooling_mode": "mean"}')
    assert check_supported(tmp_path) == 256
    (tmp_path / "1_Pooling" / "config.json").write_text('{"pooling_mode": "cls"}')
    with pytest.raises(UnsupportedModel, match="pooling"):
        check_supported(tmp_path)
