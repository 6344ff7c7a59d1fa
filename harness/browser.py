"""The real Chromium the browser tests and the README's screenshots drive (Debian's chromium, through Playwright)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
"""Chromium's command line: headless, no sandbox (containers), and nothing that phones home."""


def chromium_path() -> str | None:
    """Where Chromium is installed (``scripts/setup`` installs Debian's), or None."""
    return shutil.which("chromium") or shutil.which("chromium-browser")


@contextmanager
def desktop_page(browser: Browser, *, javascript: bool) -> Iterator[Page]:
    """A page of its own (a fresh context) at 1280 × 900, with or without JavaScript; closed afterwards."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, java_script_enabled=javascript)
    try:
        yield context.new_page()
    finally:
        context.close()
