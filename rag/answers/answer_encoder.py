"""The answer encoder: MiniLM fine-tuned to tell the sentence that answers a question from the sentences
about the same thing (bench/train_answer_encoder.py), shipped as int8 ONNX beside this module.

The index's embedder finds text *about* a question; this one was trained on (question, answering sentence,
near-miss sentences) from the train split, and its cosine is one more feature the answer scorer weighs.
It runs on onnxruntime alone (no torch at query time) and is independent of the index's embedding model.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path

from rag.errors import PapersError
from rag.index.onnx_encoder import OnnxEncoder, UnsupportedModel

PACKAGED = Path(__file__).with_name("answer_model")
MODEL_FILE = "model.int8.onnx"
# What the encoder reads besides the ONNX graph: the tokenizer and the sentence-transformers configs.
CONFIG_FILES = ("modules.json", "tokenizer.json", "sentence_bert_config.json", "1_Pooling/config.json")


def resolve(setting: str) -> Path | None:
    """The model folder a `Settings.answer_encoder` value names: "packaged", a folder, or ""/"none" (off)."""
    if setting.strip().lower() in ("", "none", "off"):
        return None
    return PACKAGED if setting == "packaged" else Path(setting).expanduser()


@lru_cache(maxsize=4)
def load(folder: Path) -> OnnxEncoder:
    """The process's encoder for `folder` (loaded lazily: the ONNX session starts on first use). It encodes
    one text at a time: dynamic int8 quantisation scales a batch's activations together, so in a batch a
    sentence's vector moved with its batch-mates (cosine by up to 0.01, 0.15 of a fitted score), and an
    answer depended on which sentences had been encoded together (at ingest, or by earlier questions)."""
    if not (folder / MODEL_FILE).exists():
        raise PapersError(f"answer encoder: no {MODEL_FILE} in {folder} (python -m bench.train_answer_encoder)")
    try:
        return OnnxEncoder(folder, folder / MODEL_FILE, batch_size=1)
    except UnsupportedModel as e:
        raise PapersError(f"answer encoder: {e}") from e


@lru_cache(maxsize=8)
def fingerprint(model_file: Path) -> str:
    """A short hash of the weights (and of how texts are batched): cached sentence vectors are keyed by it,
    so a retrained model never reads its predecessor's, nor the vectors encoded in batches before."""
    digest = hashlib.sha1(b"one text per batch")
    with model_file.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]
