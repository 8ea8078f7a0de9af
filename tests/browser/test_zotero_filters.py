"""Browser: the app's Collections and Tags filters (sidebar) change what Search, Ask and Related show.

The Zotero fixture of ../shared/zotero is built into a temp folder and synced with `papers sync --zotero`,
`papers serve` runs on it, and tests/browser/zotero_filters.mjs drives Debian's Chromium through
playwright-core: the dropdowns offer the collections and tags the index holds, and picking one narrows
the results to the papers inside it (the same `Filters` the CLI and HTTP API build).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.browser.test_e2e import ARTIFACTS, CHROMIUM, REPO, _require_tools, run_browser_script, serving
from tests.test_zotero import _lighten, build_fixture

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_collection_and_tag_filters_in_chromium(tmp_path: Path) -> None:
    node = _require_tools()
    fixture = build_fixture(tmp_path / "zfix")  # skips with the reason when ../shared is absent
    data = tmp_path / "zotero-data"
    shutil.copytree(fixture / "zotero-data", data)
    _lighten(data, "FX2B9NRL", "C6PLM2TZ", "R3HK6ZPA")  # the longest PDFs: those items come from their abstracts
    index = tmp_path / "index"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    env.pop("PAPERS_INDEX_DIR", None)
    cli = [sys.executable, "-m", "ui.cli"]
    synced = subprocess.run(
        [*cli, "sync", "--zotero", str(data), "--index", str(index)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert synced.returncode in (0, 1), synced.stdout + synced.stderr  # 1: the PDFs taken away above
    assert "6 added" in synced.stdout, synced.stdout + synced.stderr

    log = tmp_path / "serve.log"
    with serving(index, env, log) as url:
        run = run_browser_script(
            node,
            REPO / "tests" / "browser" / "zotero_filters.mjs",
            {
                **env,
                "APP_URL": url,
                "SHOT_DIR": str(ARTIFACTS / "screenshots"),
                "PROFILE_DIR": str(tmp_path / "chromium-profile"),
                "CHROMIUM": str(CHROMIUM),
            },
        )
        assert run.returncode == 0, (
            f"{run.stdout[-3000:]}\n{run.stderr[-5000:]}\nserver log:\n{log.read_text()[-2000:]}"
        )
        results = json.loads(run.stdout.strip().splitlines()[-1])
        assert set(results["search_tag"]) < set(results["search_all"])
        assert set(results["related_tag"]) < set(results["related_all"])
        assert results["page_errors"] == []
        assert "Traceback" not in log.read_text()
