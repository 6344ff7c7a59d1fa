"""The README's screenshots of the officials' pages, taken again from the current code and knowledge.

Run ``.venv/bin/python -m harness.screenshots`` after a change to the pages: it serves the bundled knowledge on a loopback
port, opens the pages in the real Chromium of the browser tests (no JavaScript, as the pages need none) and writes the
PNG files the README shows into ``docs/screenshots/``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

from harness.browser import FLAGS, chromium_path
from harness.net import wait_for
from harness.servers import serve_app

if TYPE_CHECKING:
    from playwright.sync_api import ViewportSize

# file name, path on the site, media to emulate (the briefing is shown as printed).
SHOTS = [
    ("organisation-sv.png", "/id/organisation/trafiknamnden?lang=sv", "screen"),
    ("briefing-sv.png", "/briefing/trafiknamnden?lang=sv", "print"),
]
VIEWPORT: ViewportSize = {"width": 1280, "height": 900}


def take(out: Path) -> list[Path]:
    """Serve the bundled knowledge and write every screenshot of :data:`SHOTS` into ``out``; the paths written."""
    from playwright.sync_api import sync_playwright

    from api.knowledge.build import current_store
    from api.web.app import create_app

    chromium = chromium_path()
    if not chromium:
        raise SystemExit("Chromium is not installed (scripts/setup installs Debian's chromium)")
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with serve_app(create_app(current_store())) as live, sync_playwright() as p:
        if not wait_for(live.url + "/health"):
            raise SystemExit("the service did not start")
        browser = p.chromium.launch(executable_path=chromium, args=FLAGS)
        context = browser.new_context(viewport=VIEWPORT, java_script_enabled=False)
        page = context.new_page()
        for name, path, media in SHOTS:
            page.emulate_media(media=media)  # type: ignore[arg-type]
            response = page.goto(live.url + path)
            if response is None or response.status != 200:
                raise SystemExit(f"{path}: {response.status if response else 'no response'}")
            target = out / name
            partial = target.with_name(".part-" + name)
            partial.write_bytes(page.screenshot(type="png"))
            partial.replace(target)  # never a half-written picture in the README
            written.append(target)
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    from api.settings import project_root

    out = Path(argv[0]) if argv else project_root() / "docs" / "screenshots"
    for path in take(out):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
