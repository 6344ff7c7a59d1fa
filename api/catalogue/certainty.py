"""The GRADE certainty scale, read from the certainty concept scheme in the graph (``ontology/vocabularies/certainty.ttl``).

Codes (``skos:notation``), ranks (``mh:certaintyRank``), IRIs and labels (``skos:prefLabel``) are written
once, in the knowledge; the code reads them here, with :func:`certainty_scale`, and nowhere else.

>>> scale = CertaintyScale((CertaintyLevel("high", 2, "urn:high", {"sv": "Hög", "en": "High"}),
...                         CertaintyLevel("low", 1, "urn:low", {"sv": "Låg", "en": "Low"})))
>>> scale.codes, scale.code(2), scale.label("low", "sv"), scale.label("unknown", "sv")
(['high', 'low'], 'high', 'Låg', 'unknown')
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from api.catalogue.internal import internal
from api.vocab import iri

SCHEME = iri("scheme", "certainty")
"""The certainty concept scheme."""


class _Store(Protocol):
    def select(self, sparql: str) -> list[dict[str, Any]]: ...
    def data_version(self) -> str: ...


@dataclass(frozen=True)
class CertaintyLevel:
    """One level of the scale: its code (``very-low`` …), rank (higher is more certain), IRI and labels by language."""

    code: str
    rank: int
    iri: str
    labels: dict[str, str] = field(default_factory=dict, hash=False)
    notes: dict[str, str] = field(default_factory=dict, hash=False)
    """What the level means in plain words (``skos:scopeNote``), by language."""

    def label(self, lang: str) -> str:
        """The level's name in ``lang`` (else in English, else its code)."""
        return self.labels.get(lang) or self.labels.get("en") or self.code

    def note(self, lang: str) -> str:
        """The level's plain-language explanation in ``lang`` (else in English, else nothing)."""
        return self.notes.get(lang) or self.notes.get("en") or ""


@dataclass(frozen=True)
class CertaintyScale:
    """The levels of the scale, most certain first."""

    levels: tuple[CertaintyLevel, ...]

    def __iter__(self) -> Iterator[CertaintyLevel]:
        return iter(self.levels)

    def __len__(self) -> int:
        return len(self.levels)

    @property
    def codes(self) -> list[str]:
        """The codes, most certain first."""
        return [level.code for level in self.levels]

    def by_code(self, code: str) -> CertaintyLevel | None:
        return next((level for level in self.levels if level.code == code), None)

    def by_rank(self, rank: int) -> CertaintyLevel | None:
        return next((level for level in self.levels if level.rank == rank), None)

    def code(self, rank: int | None) -> str | None:
        """The code of a rank (None for none, or for a rank the scale does not have)."""
        level = self.by_rank(rank) if rank is not None else None
        return level.code if level else None

    def label(self, code: str | None, lang: str) -> str:
        """The name of a level in ``lang``; an unknown code is shown as it is, no code as nothing."""
        if not code:
            return ""
        level = self.by_code(code)
        return level.label(lang) if level else code


_scales: weakref.WeakKeyDictionary[Any, tuple[str, CertaintyScale]] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def certainty_scale(store: _Store) -> CertaintyScale:
    """The certainty scale as the store's graph gives it, most certain first (read once per data version)."""
    version = store.data_version()
    with _lock:
        kept = _scales.get(store)
    if kept is not None and kept[0] == version:
        return kept[1]
    levels: dict[str, CertaintyLevel] = {}
    for row in store.select(internal("certainty-scale", {"scheme": SCHEME})):
        node = row["level"].value
        level = levels.setdefault(node, CertaintyLevel(row["code"].value, int(row["rank"].value), node, {}, {}))
        for column, kept_texts in (("label", level.labels), ("note", level.notes)):
            text = row.get(column)
            if text is not None:
                kept_texts.setdefault(text.language or "", text.value)
    scale = CertaintyScale(tuple(levels.values()))
    with _lock:
        _scales[store] = (version, scale)
    return scale
