"""The real Chromium the browser tests and the README's screenshots drive (Debian's chromium, through Playwright)."""

from __future__ import annotations

import shutil

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
