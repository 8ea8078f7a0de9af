"""Environment variables that third-party libraries read when they are imported, set once, here.

`rag/__init__.py` imports this module first, so it runs before chromadb, gradio, huggingface_hub or
tokenizers load anywhere in the process; values the user set are kept. Nothing else in papers writes to
the environment except `rag.index.models.prepare_offline` (HF_HUB_OFFLINE, for a model on disk).
"""

import os

_DEFAULTS = {
    "ANONYMIZED_TELEMETRY": "False",  # chromadb's product telemetry
    "GRADIO_ANALYTICS_ENABLED": "False",  # gradio's usage analytics
    "HF_HUB_DISABLE_TELEMETRY": "1",  # huggingface_hub's
    "TOKENIZERS_PARALLELISM": "false",  # tokenizers warns (and can deadlock) when a process forks after use
}

for _name, _value in _DEFAULTS.items():
    os.environ.setdefault(_name, _value)
