"""Mental Health Knowledge Graph (mhkg): Region Stockholm's mental-health strategy and its evidence as linked data."""

from __future__ import annotations

__version__ = "0.1.0"
