"""Sentence embeddings without importing sentence-transformers: the model exported once to ONNX, run by onnxruntime.

Why: `import sentence_transformers` costs seconds (it pulls sklearn, torch, transformers…), which is most
of a CLI search's cold start. A mean-pooled, normalised BERT-style model (all-MiniLM-L6-v2 and kin) is
exported with `torch.onnx.export` — pooling and normalisation inside the graph — and then needs only
`tokenizers` + `onnxruntime` + numpy at query time. fp32 ONNX gives the same vectors as torch (max abs
difference ~1e-6); a dynamically quantised int8 variant is faster but drifts (see bench/encoder_speed.py).
"""

from __future__ import annotations

import json
import os
import warnings
from functools import cached_property
from pathlib import Path

import numpy as np

ONNX_OPSET = 17


class UnsupportedModel(Exception):
    """The model is not a plain transformer + mean pooling (+ normalise) sentence-transformers model."""


def check_supported(model_dir: Path) -> int:
    """The max sequence length of a supported model folder; raises UnsupportedModel otherwise."""
    modules_file = model_dir / "modules.json"
    if not modules_file.exists() or not (model_dir / "tokenizer.json").exists():
        raise UnsupportedModel(f"{model_dir}: no modules.json / tokenizer.json")
    kinds = [m["type"].rsplit(".", 1)[-1] for m in json.loads(modules_file.read_text())]
    if kinds not in (["Transformer", "Pooling", "Normalize"], ["Transformer", "Pooling"]):
        raise UnsupportedModel(f"{model_dir}: modules {kinds}")
    pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
    modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v]  # sentence-transformers < 6
    modes = [pooling["pooling_mode"]] if isinstance(pooling.get("pooling_mode"), str) else modes  # 6 on
    if modes not in (["pooling_mode_mean_tokens"], ["mean"]):
        raise UnsupportedModel(f"{model_dir}: pooling {modes}")
    config = model_dir / "sentence_bert_config.json"
    return int(json.loads(config.read_text()).get("max_seq_length", 256)) if config.exists() else 256


def export_onnx(model_dir: Path, out: Path) -> Path:
    """Export transformer + mean pooling + L2 normalisation as one ONNX graph (needs torch, once)."""
    import torch
    from transformers import AutoModel

    check_supported(model_dir)
    model = AutoModel.from_pretrained(str(model_dir)).eval()

    class Pooled(torch.nn.Module):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            mean = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    dummy = torch.ones((2, 8), dtype=torch.long)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    axes = {0: "batch", 1: "seq"}
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer notes about shapes: not the user's concern
        torch.onnx.export(
            Pooled(model),
            (dummy, dummy, torch.zeros_like(dummy)),
            str(tmp),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["embedding"],
            dynamic_axes={"input_ids": axes, "attention_mask": axes, "token_type_ids": axes, "embedding": {0: "batch"}},
            opset_version=ONNX_OPSET,
            dynamo=False,
        )
    os.replace(tmp, out)  # never leave a half-written model where a reader would find it
    return out


def quantize_int8(src: Path, dst: Path) -> Path:
    """Dynamic int8 quantisation of the exported graph's MatMuls (onnxruntime.quantization), a scale per
    output channel: all-MiniLM-L6-v2's cosines drift half as much from fp32's as with one scale per matrix
    (mean |Δ| 0.010 vs 0.021 on 60 question/answer pairs), at the same size and speed."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    tmp = dst.with_suffix(".tmp")
    quantize_dynamic(str(src), str(tmp), weight_type=QuantType.QInt8, per_channel=True)
    os.replace(tmp, dst)
    return dst


class OnnxEncoder:
    """Encodes like SentenceTransformer.encode(normalize_embeddings=True), with onnxruntime."""

    def __init__(self, model_dir: Path, onnx_path: Path, *, threads: int | None = None, batch_size: int = 32) -> None:
        self.model_dir = Path(model_dir)
        self.onnx_path = Path(onnx_path)
        self.max_length = check_supported(self.model_dir)
        self.threads = threads or os.cpu_count() or 1
        self.batch_size = batch_size  # 1 for a dynamically quantised graph: see `answer_encoder.load`

    @cached_property
    def _tokenizer(self):
        from tokenizers import Tokenizer

        tok = Tokenizer.from_file(str(self.model_dir / "tokenizer.json"))
        tok.enable_truncation(max_length=self.max_length)
        tok.no_padding()
        return tok

    @cached_property
    def _session(self):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = self.threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        return ort.InferenceSession(str(self.onnx_path), options, providers=["CPUExecutionProvider"])

    @cached_property
    def dimension(self) -> int:
        return int(self.encode(["dimension probe"]).shape[1])

    def encode(self, texts: list[str], batch_size: int | None = None) -> np.ndarray:
        """(n, dim) float32, unit length. Batches are formed from length-sorted texts (little padding)."""
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        batch_size = batch_size or self.batch_size
        encodings = self._tokenizer.encode_batch(list(texts))
        order = np.argsort([-len(e.ids) for e in encodings], kind="stable")
        out: list[np.ndarray | None] = [None] * len(texts)
        for start in range(0, len(order), batch_size):
            rows = order[start : start + batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros_like(ids)
            types = np.zeros_like(ids)
            for r, i in enumerate(rows):
                e = encodings[i]
                n = len(e.ids)
                ids[r, :n], mask[r, :n], types[r, :n] = e.ids, e.attention_mask, e.type_ids
            vectors = self._session.run(
                ["embedding"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
            )[0]
            for r, i in enumerate(rows):
                out[i] = vectors[r]
        return np.vstack(out).astype(np.float32)


def onnx_paths(folder: Path, model_name: str) -> tuple[Path, Path]:
    """Where the fp32 and int8 exports of a model live in `folder` (one pair per model name)."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in model_name)
    return folder / f"{safe}.onnx", folder / f"{safe}.int8.onnx"
