"""User interfaces over `rag.Library`: the `papers` CLI and the Gradio app. No retrieval logic here."""
