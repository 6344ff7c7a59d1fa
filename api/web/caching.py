"""HTTP caching of the negotiated answers: ``Vary: Accept``, weak ETags and ``304 Not Modified``, in one pure-ASGI middleware.

Every answer of the service is a deterministic function of the code, the store's content and the
request, so its entity tag can be computed BEFORE the handler runs, from the request alone: a
``304`` then costs no query (a SPARQL query, run in a worker process, is never sent to one).

Within one process the same inputs give the same bytes. Across processes (a restart, several
workers) a few answers are equal in meaning but not in bytes: blank node labels are drawn afresh
when a store is loaded (/ontology, /shapes, /dataset.* as RDF) and matplotlib stamps a date into
/network.svg. So the tags are weak (``W/"…"``): same representation, not a promise of the same bytes.
A compressing middleware must go inside this one (or the coding must enter the tag).
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from api import __version__

Scope = dict[str, Any]
UNCACHED = ("/health", "/ready")  # operations: always fresh, never negotiated
STATIC = "/static"  # StaticFiles does its own ETag and 304
VARY = "Accept"
# The request headers an answer may depend on, hashed into its tag (Host: absolute URLs in the answers).
TAGGED_HEADERS = (b"host", b"accept", b"accept-language")
TAG_LENGTH = 32  # hex digits of the sha256 kept: 128 bits
_OPAQUE_TAG = re.compile(r'(?:W/)?"([^"]*)"')
# Representation metadata a 304 made from a 200 does not repeat (RFC 9110 §15.4.5).
_NOT_IN_304 = frozenset({b"content-length", b"content-type", b"content-disposition", b"content-encoding", b"content-language"})


def negotiated(path: str) -> bool:
    """Whether answers under ``path`` get ``Vary: Accept`` and, for GET, an ETag: every path but /static, /health and /ready.

    That is wider than the routes that negotiate (/sparql, /id/…, /ontology, /shapes, /api/v1/…, the
    pages, /dataset.*), on purpose: a route that starts to negotiate is covered without a change here,
    and a needless ``Vary: Accept`` only costs a cache some extra copies.
    """
    return path not in UNCACHED and path != STATIC and not path.startswith(STATIC + "/")


@lru_cache(maxsize=8)
def code_fingerprint(root: Path | None) -> str:
    """A hash of the code, templates and static files of ``api/`` and of ``root``'s ``queries/`` and ``shapes/``, computed once per process.

    The answers depend on them as much as on the data: a deployment that changes a template without
    a new version number must not leave clients holding the old page on a 304.
    """
    h = hashlib.sha256()
    folders = [Path(__file__).resolve().parent.parent] + ([root / "queries", root / "shapes"] if root is not None else [])
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
            try:
                content = path.read_bytes()
            except OSError:  # removed meanwhile
                continue
            h.update(str(path.relative_to(folder)).encode() + b"\0" + len(content).to_bytes(8, "big") + content)
    return h.hexdigest()


def _header_values(scope: Scope, name: bytes) -> list[bytes]:
    return [v for k, v in scope.get("headers") or [] if k.lower() == name]


def entity_tag(scope: Scope, data_version: str, fingerprint: str = "") -> bytes:
    """The (weak) entity tag of the answer to the request ``scope`` when the store is at ``data_version``.

    Weak (``W/"…"``): the answer is the same representation for the same inputs, but not always the same
    bytes across restarts (blank-node labels of a reloaded store, the drawing's ids), which a strong tag
    would promise. ``If-None-Match`` uses the weak comparison anyway, so 304s work alike.

    It hashes everything the answer depends on: the package version and code, the data version,
    the request target (scheme, root path, path and query string, but not the method, so GET and HEAD
    share it), and the ``TAGGED_HEADERS`` with all their values in order.
    """
    h = hashlib.sha256()
    parts = [
        __version__.encode(),
        fingerprint.encode(),
        data_version.encode(),
        str(scope.get("scheme", "http")).encode(),
        str(scope.get("root_path", "")).encode(),
        str(scope["path"]).encode("utf-8", "surrogateescape"),
        bytes(scope.get("raw_path") or b""),
        bytes(scope.get("query_string") or b""),
    ]
    parts += [b"\x1f".join(_header_values(scope, name)) for name in TAGGED_HEADERS]
    for part in parts:  # length-prefixed: no two different inputs hash the same bytes
        h.update(len(part).to_bytes(8, "big") + part)
    return b'W/"' + h.hexdigest()[:TAG_LENGTH].encode() + b'"'


def if_none_match(scope: Scope) -> set[str] | None:
    """The opaque tags of the request's If-None-Match (all its fields), ``{"*"}`` for ``*``, None without one.

    Weak and strong tags are alike here: If-None-Match uses the weak comparison (RFC 9110 §13.1.2).
    """
    values = _header_values(scope, b"if-none-match")
    if not values:
        return None
    if any(v.strip() == b"*" for v in values):
        return {"*"}
    return set(_OPAQUE_TAG.findall(", ".join(v.decode("latin-1") for v in values)))


def with_vary(headers: list[tuple[bytes, bytes]], field: str = VARY) -> list[tuple[bytes, bytes]]:
    """``headers`` with one Vary header listing ``field`` and every field the existing Vary headers list, each once (``*`` stays ``*``)."""
    names: list[str] = []
    for key, value in headers:
        if key.lower() == b"vary":
            for name in value.decode("latin-1").split(","):
                if name.strip() and name.strip().lower() not in (n.lower() for n in names):
                    names.append(name.strip())
    if "*" not in names and field.lower() not in (n.lower() for n in names):
        names.append(field)
    vary = "*" if "*" in names else ", ".join(names)
    return [(k, v) for k, v in headers if k.lower() != b"vary"] + [(b"vary", vary.encode("latin-1"))]


class ConditionalGetMiddleware:
    """``Vary: Accept`` on every answer of the negotiated paths, and ETag / ``304 Not Modified`` for GET and HEAD.

    * Vary: every answer (any method, any status) except under /static, /health and /ready (see
      :func:`negotiated`), merged into a Vary header the handler set, never duplicated.
    * ETag: GET and HEAD answers with status 200, when the store is embedded. The tag is computed
      from the request before the handler runs (:func:`entity_tag`), with the store's data version
      read before and after the handler; a write in between leaves the answer untagged. An ETag the
      handler set itself is left alone.
    * 304: for a GET whose If-None-Match lists the tag (weak comparison), at once, without calling the
      handler: the client's copy came from a 200 with the same inputs, so it is still the answer.
      For ``If-None-Match: *`` (and for a HEAD that reaches this middleware as such; in the app,
      :class:`~api.web.middleware.HeadMiddleware` hands it on as a GET), the handler runs and a 200 is
      turned into a 304 without its body. A 304 carries the ETag and Vary, no body and no Content-Type.
    * A remote store (:class:`~api.store.RemoteStore`) gets no ETags: its ``data_version()`` is a
      query to the remote server, which would cost every request one round trip.
    * A request with an Authorization header gets no ETag either: its answer may depend on who
      asks, and a token must not go into a tag.
    """

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not negotiated(scope["path"]):
            return await self.app(scope, receive, send)
        state = self._state(scope)
        store = state.store if state is not None else None
        version = store.data_version() if store is not None else None
        tag = entity_tag(scope, version, code_fingerprint(getattr(state, "root", None))) if version is not None else None
        opaque = tag.removeprefix(b"W/")[1:-1].decode() if tag is not None else None
        wanted = if_none_match(scope) if tag is not None else None
        if tag is not None and wanted is not None and scope["method"] == "GET" and opaque in wanted:
            headers = with_vary([(b"etag", tag)])
            await send({"type": "http.response.start", "status": 304, "headers": headers})
            await send({"type": "http.response.body", "body": b""})
            return None
        not_modified = False

        async def tagged(message: dict[str, Any]) -> None:
            nonlocal not_modified
            if message["type"] == "http.response.start":
                headers = with_vary(list(message.get("headers") or []))
                fresh = tag is not None and store is not None and message["status"] == 200 and store.data_version() == version
                if tag is not None and fresh and not any(k.lower() == b"etag" for k, _ in headers):
                    headers.append((b"etag", tag))
                    if wanted is not None and ("*" in wanted or opaque in wanted):
                        not_modified = True
                        headers = [(k, v) for k, v in headers if k.lower() not in _NOT_IN_304]
                        message = {**message, "status": 304}
                message = {**message, "headers": headers}
            elif message["type"] == "http.response.body" and not_modified:
                if message.get("more_body", False):
                    return
                message = {"type": "http.response.body", "body": b""}
            await send(message)

        await self.app(scope, receive, tagged)
        return None

    @staticmethod
    def _state(scope: Scope) -> Any:
        """The service's state when this request may get an ETag (GET or HEAD, embedded store, no Authorization), else None."""
        if scope["method"] not in ("GET", "HEAD") or _header_values(scope, b"authorization"):
            return None
        app = scope.get("app")
        state = getattr(getattr(app, "state", None), "mhkg", None)
        return state if state is not None and getattr(state, "embedded", False) else None
