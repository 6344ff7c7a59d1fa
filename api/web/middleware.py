"""Cross-cutting HTTP concerns: CORS for reads only, structured JSON logs with request ids, HEAD as GET.

The request body limit is the framework's own: Starlette's ``RequestBodyLimitMiddleware`` (added by
:func:`api.web.app.create_app` inside the access log, so that the log records its 413s) refuses a
declared or streamed body over ``MHKG_MAX_BODY`` bytes.
"""

from __future__ import annotations

import json
import logging
import time
import uuid
from typing import Any

Scope = dict[str, Any]
READ_POSTS = ("/sparql", "/api/v1/validate", "/query", "/curation")
log = logging.getLogger("mhkg.access")


async def _send_plain(send: Any, status: int, text: str, headers: list[tuple[bytes, bytes]] | None = None) -> None:
    body = text.encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode()), *(headers or [])],
        }
    )
    await send({"type": "http.response.body", "body": body})


class ReadOnlyCorsMiddleware:
    """CORS for reading: any origin may GET, HEAD, and POST queries; writes get no CORS headers."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        origin = headers.get(b"origin")
        path, method = scope["path"], scope["method"]
        readable = method in ("GET", "HEAD") or (method == "POST" and path in READ_POSTS)
        if method == "OPTIONS" and origin is not None:
            wanted = headers.get(b"access-control-request-method", b"").decode().upper()
            if wanted in ("GET", "HEAD") or (wanted == "POST" and path in READ_POSTS):
                return await _send_plain(
                    send,
                    204,
                    "",
                    [
                        (b"access-control-allow-origin", b"*"),
                        (b"access-control-allow-methods", b"GET, HEAD, POST"),
                        (b"access-control-allow-headers", b"accept, content-type"),
                        (b"access-control-max-age", b"600"),
                    ],
                )
            return await _send_plain(send, 403, "Cross-origin writes are not allowed.\n")

        async def with_cors(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start" and origin is not None and readable:
                message.setdefault("headers", []).append((b"access-control-allow-origin", b"*"))
            await send(message)

        await self.app(scope, receive, with_cors)


class AccessLogMiddleware:
    """One JSON log line per request, with a request id (also sent back as X-Request-ID). Headers and
    bodies, and so tokens, are never logged."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        given = dict(scope.get("headers") or []).get(b"x-request-id", b"").decode()
        request_id = given if given and len(given) <= 64 and given.replace("-", "").isalnum() else uuid.uuid4().hex
        start = time.perf_counter()
        status = 500

        async def tagged(message: dict[str, Any]) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, tagged)
        finally:
            log.info(
                json.dumps(
                    {
                        "request_id": request_id,
                        "method": scope["method"],
                        "path": scope["path"],
                        "status": status,
                        "ms": round((time.perf_counter() - start) * 1000, 1),
                    }
                )
            )


class HeadMiddleware:
    """HEAD is GET without the body (RFC 9110 §9.3.2): the routes are declared for GET only, so a HEAD is
    answered by the GET handler, with the same status and headers (Content-Length, ETag, Vary) and no body."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "HEAD":
            return await self.app(scope, receive, send)

        async def headless(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.body":
                message = {**message, "body": b""}
            await send(message)

        await self.app({**scope, "method": "GET"}, receive, headless)
