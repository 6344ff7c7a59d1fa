"""Stores: one protocol, two implementations (the embedded pyoxigraph store and a remote SPARQL 1.1 endpoint).

rdflib is not on the query path.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pyoxigraph as ox

from api.errors import StoreError
from api.vocab import ID

from .embedded import EmbeddedStore
from .protocol import VERSION_NODE, VERSION_PRED, Store, Term, content_version
from .remote import RemoteStore, detect_flavour, query_path

if TYPE_CHECKING:
    from api.settings import Settings

__all__ = [
    "RELEASE",
    "VERSION_NODE",
    "VERSION_PRED",
    "EmbeddedStore",
    "RemoteStore",
    "Store",
    "Term",
    "content_version",
    "load_release",
    "open_remote",
    "query_path",
]

RELEASE = "mhkg-inferred.nt"
"""The release a store is loaded from: the inferred graph in the build folder."""


def open_remote(settings: Settings, endpoint: str | None = None) -> RemoteStore | None:
    """The remote store the settings name (``endpoint`` overrides ``MHKG_ENDPOINT``), or None for the embedded one.

    Its flavour is ``MHKG_ENDPOINT_FLAVOUR``, else asked of the server (one ``ASK {}``: Virtuoso's needs its own graph).
    """
    endpoint = endpoint or settings.endpoint
    if not endpoint:
        return None
    url = query_path(endpoint)
    flavour = settings.endpoint_flavour or detect_flavour(url)
    return RemoteStore(url, update_endpoint=settings.update_endpoint, store_endpoint=settings.store_endpoint, flavour=flavour)


def load_release(settings: Settings) -> EmbeddedStore:
    """The embedded store holding the build folder's inferred release.

    An on-disk store (``MHKG_STORE_PATH``) is reused as it is when it already holds this release (fast restart),
    else emptied and reloaded; without one the store is in memory.

    Raises:
        StoreError: the build folder holds no release (run ``mhkg build``).
    """
    release = settings.build_dir / RELEASE
    if not release.exists():
        raise StoreError(f"{release}: no release; run `mhkg build`")
    version = content_version(release)
    store = EmbeddedStore(settings.store_path)
    marker = ox.Quad(VERSION_NODE, VERSION_PRED, ox.Literal(version), ox.NamedNode(ID + "graph/build"))
    if settings.store_path is None or marker not in store.native:
        store.native.clear()
        store.load_file(release, ox.RdfFormat.N_TRIPLES)
        if settings.store_path is not None:
            store.native.add(marker)  # in a named graph: the default graph stays exactly the release
            store.native.flush()
    store.set_base_version(version)
    return store
