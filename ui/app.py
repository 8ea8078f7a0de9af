"""The Gradio web app: Ask (streamed, cited answers), Search, Related, Library. The layout is in
`ui.app_layout`, the handlers in `ui.app_handlers`, the markup in `ui.app_render`; this module serves it.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from pathlib import Path

import gradio as gr

from rag import Library, PapersError
from ui.app_handlers import PapersApp
from ui.app_layout import build_app
from ui.app_text import I18N
from ui.app_uploads import uploads_dir

__all__ = ["PapersApp", "build_app", "launch_app", "share_reachable", "theme"]

ASSETS = Path(__file__).resolve().parent / "assets"
SYSTEM_FONTS = ["Inter", "system-ui", "-apple-system", "Segoe UI", "Roboto", "Helvetica Neue", "Arial", "sans-serif"]
MONO_FONTS = ["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "Liberation Mono", "monospace"]
DEFAULT_CONCURRENCY = 2  # asks and searches at once (2 CPU cores); writes are serialised separately


def theme() -> gr.themes.Base:
    """Gradio's default look with system fonts only: nothing is fetched from a font CDN."""
    return gr.themes.Default(
        primary_hue="indigo", secondary_hue="slate", neutral_hue="slate", font=SYSTEM_FONTS, font_mono=MONO_FONTS
    ).set(body_background_fill="*neutral_50", block_radius="10px")


def _asset(name: str) -> str:
    return (ASSETS / name).read_text(encoding="utf-8")


def share_reachable(timeout: float = 4.0) -> str | None:
    """None when Gradio's share server can be reached, else why not (checked quickly, so no long hang)."""
    result: list[str | None] = [f"no answer within {timeout:.0f} s"]

    def probe() -> None:
        try:
            with socket.create_connection(("api.gradio.app", 443), timeout=timeout):
                result[0] = None
        except OSError as exc:
            result[0] = str(exc.strerror or exc)

    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout + 0.5)
    return result[0]


def launch_app(
    library: Library,
    host: str = "127.0.0.1",
    port: int = 7860,
    share: bool = False,
    auth: tuple[str, str] | None = None,
    *,
    block: bool = True,
    quiet: bool = False,
    warm_up: bool = True,
    routes: list | None = None,
) -> gr.Blocks:
    """Serve the app. With `block=False` it returns the running Blocks (call `.close()` to stop).
    `routes` (Starlette routes, e.g. the HTTP API's mount) are served beside it, ahead of Gradio's own."""
    say = (lambda *a: None) if quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    if share and not auth:
        say("papers: warning: --share without --auth lets anyone with the link read and change your library")
    if share:
        why = share_reachable()
        if why is not None:
            say(f"papers: no public link: Gradio's share server api.gradio.app:443 is unreachable ({why}); local only")
            share = False
    if warm_up:
        try:
            if library.papers():
                t0 = time.perf_counter()
                library.ask("What is this library about?")  # load the model, BM25 and answer path now
                say(f"papers: model loaded in {time.perf_counter() - t0:.1f} s")
        except PapersError:
            pass
    demo = build_app(library)
    demo.queue(default_concurrency_limit=DEFAULT_CONCURRENCY)
    uploads = uploads_dir(library.settings.cache_dir)
    uploads.mkdir(parents=True, exist_ok=True)
    demo.launch(
        server_name=host,
        server_port=port,
        share=share,
        auth=auth,
        prevent_thread_lock=True,
        theme=theme(),
        css=_asset("app.css"),
        head=f"<script>{_asset('app.js')}</script>",
        allowed_paths=[str(uploads)],
        max_file_size=library.settings.max_download_bytes,
        show_error=True,
        quiet=True,
        ssr_mode=False,
        mcp_server=False,
        footer_links=["api", "settings"],  # Settings holds the language toggle (English / 简体中文)
        i18n=I18N,
        app_kwargs={"routes": list(routes)} if routes else None,
    )
    if share and not demo.share_url:
        say("papers: no public link: Gradio could not open the share tunnel (see above); serving locally only")
    elif share:
        say(f"papers: public link {demo.share_url}")
    say(f"papers: serving {library.store.location} on {demo.local_url} (Ctrl+C to stop)")
    if block:
        try:
            demo.block_thread()
        finally:
            demo.close()
    return demo
