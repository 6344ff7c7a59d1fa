"""The error boundary: the one table from error class to HTTP status, and one answer per audience.

Routers raise the domain's errors (:mod:`api.errors`) and never choose a status; :func:`install` gives the
app the handlers that answer them, by where the request went:

- ``/sparql`` and ``/update`` (the SPARQL protocol): plain text, English then Swedish;
- ``/api/…``: JSON ``{"detail": …}`` (English), the :class:`api.web.deps.ErrorDetail` of the OpenAPI;
- everywhere else (the pages and linked data): an HTML page in the page's language, with the site's
  navigation. A client that takes no HTML (an RDF client of linked data) gets the plain text.

Starlette's own errors (an unknown path, a method not allowed) and FastAPI's request-validation errors
are answered the same way, except on ``/api``, which keeps FastAPI's JSON (422 with the list of problems).
"""

from __future__ import annotations

import logging
from typing import Literal

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler, request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.errors import (
    AccessError,
    AssetsMissingError,
    ClientLimitError,
    ConflictError,
    EntryEncodingError,
    EntryFormatError,
    ExecutorError,
    InconsistentOntologyError,
    KnowledgeSyntaxError,
    MhkgError,
    NotAcceptableError,
    NotFoundError,
    ParameterError,
    PeopleConfigError,
    PolicyError,
    PreconditionFailedError,
    PreconditionRequiredError,
    QueryBusyError,
    QueryError,
    QueryFailedError,
    QueryRefusedError,
    QueryTimeoutError,
    ReasonerError,
    StoreError,
    SubmissionRefused,
    TokenMissingError,
    TooManyRowsError,
    WorkerFailedError,
)
from api.i18n import MESSAGES, Bilingual, message
from api.web.negotiation import choose
from api.web.render import lang_of, render

log = logging.getLogger("mhkg.errors")

# The one table from error class to HTTP status. A class not listed takes the status of its nearest listed
# ancestor (MhkgError itself is not listed: an error outside the table is a gap in it, and tests look for one).
STATUS: dict[type[MhkgError], int] = {
    KnowledgeSyntaxError: 400,  # a submitted entry that does not parse (the detail gives line and column)
    ParameterError: 422,
    NotFoundError: 404,
    NotAcceptableError: 406,
    ConflictError: 409,
    SubmissionRefused: 422,  # not one entry of the expected form, or not conforming (the SHACL report is the body)
    EntryEncodingError: 400,
    EntryFormatError: 415,
    AccessError: 403,  # a wrong token, or writes are off
    TokenMissingError: 401,
    PreconditionFailedError: 412,
    PreconditionRequiredError: 428,
    PeopleConfigError: 500,
    QueryError: 500,  # a plain QueryError is one of the service's own queries failing; a visitor's query fails as a kind below
    PolicyError: 400,
    ExecutorError: 503,
    QueryRefusedError: 400,
    QueryFailedError: 400,
    TooManyRowsError: 400,
    QueryTimeoutError: 503,
    QueryBusyError: 503,
    ClientLimitError: 429,
    WorkerFailedError: 503,
    AssetsMissingError: 503,  # the set-up has not installed a page's browser code (scripts/setup does)
    StoreError: 502,  # the store (a remote SPARQL server) did not answer
    ReasonerError: 500,
    InconsistentOntologyError: 500,
}
PROTOCOL_PATHS = ("/sparql", "/update")
Audience = Literal["protocol", "api", "page"]


def status_of(error: BaseException | type[BaseException]) -> int | None:
    """The HTTP status of an error (or error class) by :data:`STATUS`: its own, else its nearest listed ancestor's.

    >>> status_of(ClientLimitError("client_limit", limit=3)), status_of(QueryBusyError), status_of(MhkgError)
    (429, 503, None)
    """
    cls = error if isinstance(error, type) else type(error)
    return next((STATUS[c] for c in cls.__mro__ if c in STATUS), None)


def audience(request: Request) -> Audience:
    """Who the answer is for, by the path: the SPARQL protocol, the REST API, or a visitor of the pages."""
    path = request.url.path
    if path in PROTOCOL_PATHS:
        return "protocol"
    if path == "/api" or path.startswith("/api/"):
        return "api"
    return "page"


def _headers(error: BaseException, status: int) -> dict[str, str]:
    headers = {}
    retry_after = getattr(error, "retry_after", None)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    if status == 401:
        headers["WWW-Authenticate"] = "Bearer"
    return headers


def _text(error: BaseException, status: int, lang: str) -> str:
    """What the visitor reads: the error's own words in ``lang``, or (a failure inside the service) no internals."""
    if isinstance(error, Bilingual):
        return error.text(lang)
    if status >= 500:
        return message("internal_error", lang)
    return str(error)


def _both(error: BaseException, status: int) -> str:
    if isinstance(error, Bilingual):
        return error.both()
    if status >= 500:
        return message("internal_error", "en") + "\n" + message("internal_error", "sv")
    return str(error)


def _detail(error: BaseException, status: int) -> object:
    if isinstance(error, KnowledgeSyntaxError):
        return {"error": "syntax", "line": error.line, "column": error.column, "message": error.detail}
    return _text(error, status, "en")


def _page(request: Request, status: int, text: str, *, plain: str, text_lang: str | None, headers: dict[str, str]) -> Response:
    """The HTML error page in the page's language with the site's navigation, or ``plain`` text for a client that takes no HTML.

    Args:
        text: what the page says (in the page's language, or in ``text_lang``: a message the service has in English only).
        plain: the text answer (both languages).
    """
    if choose(request.headers.get("accept"), ["text/html", "text/plain"]) != "text/html":
        return PlainTextResponse(plain + "\n", status_code=status, headers=headers)
    lang = lang_of(request)
    key = f"status_{status}"
    response = render(
        request,
        "error.html",
        status=status,
        heading=message(key if key in MESSAGES else "status_other", lang),
        code=message("error_status", lang, status=status),
        text=text,
        text_lang=text_lang if text_lang != lang else None,
        home=message("error_home", lang),
    )
    response.status_code = status
    response.headers.update(headers)
    return response


def answer(request: Request, error: BaseException, status: int) -> Response:
    """The answer to ``error`` with ``status``, rendered for the request's :func:`audience`."""
    headers = _headers(error, status)
    where = audience(request)
    if where == "protocol":
        return PlainTextResponse(_both(error, status) + "\n", status_code=status, headers=headers)
    if where == "api":
        return JSONResponse({"detail": _detail(error, status)}, status_code=status, headers=headers)
    lang = lang_of(request)
    bilingual = isinstance(error, Bilingual) or status >= 500
    return _page(request, status, _text(error, status, lang), plain=_both(error, status), text_lang=None if bilingual else "en", headers=headers)


async def on_domain_error(request: Request, exc: Exception) -> Response:
    status = status_of(exc) or 500
    if status >= 500 and not isinstance(exc, Bilingual):
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
    return answer(request, exc, status)


async def on_http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own errors (404 for an unknown path, 405 …): FastAPI's JSON on /api, text or a page elsewhere."""
    assert isinstance(exc, StarletteHTTPException)
    where = audience(request)
    if where == "api":
        return await http_exception_handler(request, exc)
    headers = dict(exc.headers or {})
    if exc.status_code == 404:
        missing = NotFoundError("page", request.url.path)
        if where == "protocol":
            return PlainTextResponse(missing.both() + "\n", status_code=404, headers=headers)
        return _page(request, 404, missing.text(lang_of(request)), plain=missing.both(), text_lang=None, headers=headers)
    if where == "protocol":
        return PlainTextResponse(f"{exc.detail}\n", status_code=exc.status_code, headers=headers)
    return _page(request, exc.status_code, str(exc.detail), plain=str(exc.detail), text_lang="en", headers=headers)


async def on_invalid_request(request: Request, exc: Exception) -> Response:
    """FastAPI's request validation: JSON 422 on /api (the list of problems), text or a page elsewhere."""
    assert isinstance(exc, RequestValidationError)
    where = audience(request)
    if where == "api":
        return await request_validation_exception_handler(request, exc)
    problems = "; ".join(f"{'.'.join(str(part) for part in e['loc'][1:]) or e['loc'][0]}: {e['msg']}" for e in exc.errors())
    both = message("invalid_request", "en", problems=problems) + "\n" + message("invalid_request", "sv", problems=problems)
    if where == "protocol":
        return PlainTextResponse(both + "\n", status_code=422)
    return _page(request, 422, message("invalid_request", lang_of(request), problems=problems), plain=both, text_lang=None, headers={})


def install(app: FastAPI) -> None:
    """Answer every error of the app here: the domain's, Starlette's and request validation's."""
    app.add_exception_handler(MhkgError, on_domain_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_invalid_request)
