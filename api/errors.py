"""The project's own exceptions, all of them: domain code raises these; the CLI and the HTTP boundary map them.

An exception says what went wrong, never how to answer it: it carries no HTTP status. The web boundary
(:mod:`api.web.errors`) holds the one table from class to status, and the command line
(:data:`api.cli.EXIT_CODES`) the one from class to exit code. The errors a visitor may read carry their
message in Swedish and English (:class:`api.i18n.Bilingual`: ``key`` names it in :data:`api.i18n.MESSAGES`,
``str()`` is English).

The hierarchy::

    MhkgError
    ├── KnowledgeSyntaxError          a knowledge file (or a submitted entry) does not parse
    ├── InconsistentOntologyError     HermiT found a contradiction
    ├── ReasonerError                 HermiT could not run
    ├── StoreError                    the store could not be read or written
    ├── ParameterError                a parameter is missing, unknown or malformed
    │   └── InvalidParameterError     … with its message in both languages
    ├── NotFoundError                 what was asked for does not exist (says what, in both languages)
    ├── NotAcceptableError            none of the offered media types is acceptable
    ├── ConflictError                 the request contradicts the state of the service
    │   ├── EntryExistsError          … an entry with this IRI exists
    │   └── SubmissionsUnavailableError … the service reads a remote endpoint and writes nothing
    ├── SubmissionRefused             a submitted entry is not one the repository takes
    │   ├── EntryFormatError          … sent in a format the service does not read
    │   ├── EntryEncodingError        … not UTF-8 text
    │   ├── EntryRefusedError         … not one entry of the expected form
    │   └── EntryNotConformingError   … does not conform to the shapes (the report attached)
    ├── AccessError                   a write is refused
    │   ├── TokenRefusedError         … a wrong token, or writes are off
    │   └── TokenMissingError         … no token at all
    └── QueryError                    a SPARQL query is malformed or cannot be evaluated
        ├── PolicyError               the parse policy refused the text (kind: syntax or forbidden)
        └── ExecutorError             a public query could not be answered
            ├── QueryRefusedError     the worker's parse policy refused it (kind: syntax or forbidden)
            ├── QueryFailedError      the engine refused or failed to evaluate it (kind: syntax or failed)
            ├── TooManyRowsError      kind too-many-rows
            ├── QueryTimeoutError     kind timeout
            ├── QueryBusyError        kind busy
            │   └── ClientLimitError  … this client has as many queries in flight as it may
            └── WorkerFailedError     kind failed: the worker died, or cannot be sandboxed

A :class:`QueryError`'s ``kind`` is one of :data:`QUERY_KINDS`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

from api.i18n import Bilingual, message

QUERY_KINDS = ("syntax", "forbidden", "too-many-rows", "timeout", "busy", "failed")
SYNTAX_KEYS = frozenset({"malformed_query", "malformed_update", "not_iri", "using_conflict", "engine_syntax"})  # the rest refuse what reads


class MhkgError(Exception):
    """Base class of the project's errors."""


class BilingualError(Bilingual, Exception):
    """Mixin of the errors with their message in both languages (not an error itself: combine with an MhkgError).

    >>> str(NotFoundError("organisation", "nobody"))
    "No organisation 'nobody'"
    >>> NotFoundError("organisation", "nobody").text("sv")
    'Organisationen ”nobody” finns inte.'
    """

    def __init__(self, key: str, **params: object) -> None:
        self.key, self.params = key, params
        super().__init__(self.text("en"))


class KnowledgeSyntaxError(MhkgError):
    """A knowledge file cannot be parsed; names the file, line and column.

    Attributes:
        path: the file that failed.
        line: 1-based line of the error, or None where the parser gives none.
        column: 1-based column of the error, or None.
        detail: the parser's own message.
    """

    def __init__(self, path: Path | str, line: int | None, column: int | None, detail: str) -> None:
        self.path = Path(path)
        self.line = line
        self.column = column
        self.detail = detail
        where = str(self.path)
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: syntax error: {detail}")


class InconsistentOntologyError(MhkgError):
    """HermiT found the ontology with its data inconsistent."""


class ReasonerError(MhkgError):
    """The reasoner could not run (e.g. no Java)."""


class StoreError(MhkgError):
    """The store could not be read or written (e.g. a remote endpoint is unreachable)."""


class ParameterError(MhkgError):
    """A catalogue parameter is missing, unknown or malformed."""


class InvalidParameterError(BilingualError, ParameterError):
    """A parameter is missing or has a value not accepted, with its message in both languages."""


class NotFoundError(BilingualError, MhkgError):
    """What was asked for does not exist.

    Args:
        what: what kind of thing is missing: ``organisation``, ``intervention``, ``evidence``, ``source``, ``scheme``,
            ``resource``, ``query``, ``page`` or ``measure`` (its noun is ``what_<what>`` in the message table).
        name: the name or IRI that was asked for.
        key: the message (default ``not_found``: "No organisation 'x'"); it may use ``{what}`` and ``{name}``.
    """

    def __init__(self, what: str, name: object, *, key: str = "not_found", **params: object) -> None:
        self.what = what
        super().__init__(key, name=name, **params)

    def text(self, lang: str) -> str:
        return message(self.key, lang, **{**self.params, "what": message(f"what_{self.what}", lang)})


class NotAcceptableError(BilingualError, MhkgError):
    """None of the media types the resource is offered in is acceptable to the client."""

    def __init__(self, offered: list[str]) -> None:
        super().__init__("not_acceptable", offered=", ".join(offered))


class ConflictError(BilingualError, MhkgError):
    """The request contradicts the state of the service (the entry exists; writes need the embedded store)."""


class SubmissionRefused(BilingualError, MhkgError):  # noqa: N818 - the name the issue gives it
    """A submitted entry is not one the repository takes; ``key`` names its message in :data:`api.i18n.MESSAGES`."""


class EntryFormatError(SubmissionRefused):
    """The entry is sent in a media type that is not read (Turtle, JSON-LD and N-Triples are)."""


class EntryEncodingError(SubmissionRefused):
    """The entry is not UTF-8 text."""


class EntryRefusedError(SubmissionRefused):
    """The entry is not of the expected form: no typed resource, not exactly one entry, other subjects, or a bad IRI."""


class EntryNotConformingError(SubmissionRefused):
    """The entry does not conform to the shapes. ``report`` is the SHACL report as a dict (the answer's body)."""

    def __init__(self, key: str, *, report: dict[str, object], **params: object) -> None:
        super().__init__(key, **params)
        self.report = report


class EntryExistsError(ConflictError):
    """An entry with this IRI exists (as a file or in the store)."""


class SubmissionsUnavailableError(ConflictError):
    """The service cannot write entries: it reads a remote SPARQL endpoint."""


class AccessError(BilingualError, MhkgError):
    """A write is refused: the write token is wrong, or writes are off (no token is configured)."""


class TokenRefusedError(AccessError):
    """The bearer token is wrong, or writes are switched off (no token configured)."""


class TokenMissingError(AccessError):
    """A write needs a bearer token and none was given."""


class RoleError(AccessError):
    """The person is known but does not hold the role the action needs (curator or reviewer)."""


class FourEyesError(AccessError):
    """A reviewer tried to review or publish an entry they submitted or revised themselves."""


class TransitionError(ConflictError):
    """The action is not possible from the entry's current status (e.g. publishing a draft)."""


class PreconditionFailedError(BilingualError, MhkgError):
    """The entry changed since the client read it: its ``If-Match`` names another version (ETag)."""


class PreconditionRequiredError(BilingualError, MhkgError):
    """A change of an existing entry needs ``If-Match`` with the entry's ETag, and none was given."""


class ReasonRequiredError(SubmissionRefused):
    """A retraction needs a reason."""


class AssetsMissingError(BilingualError, MhkgError):
    """A page needs browser code that the set-up installs from the npm registry (YASGUI, Swagger UI), and it is not
    installed; the message says which package and how to install it."""


class PeopleConfigError(BilingualError, MhkgError):
    """The people's file (curators and reviewers) cannot be read, or a person in it is not of the expected form."""


class QueryError(MhkgError):
    """A SPARQL query is malformed or cannot be evaluated.

    Attributes:
        kind: one of :data:`QUERY_KINDS`; a plain QueryError (the store's own words) is ``failed``.
    """

    kind: ClassVar[str] = "failed"


class _RefusalKind:
    """``kind`` of a refusal by the parse policy: ``syntax`` for a text that cannot be read, else ``forbidden``."""

    key: str

    @property
    def kind(self) -> str:
        return "syntax" if self.key in SYNTAX_KEYS else "forbidden"


class PolicyError(_RefusalKind, BilingualError, QueryError, ValueError):  # type: ignore[override]  # kind: a property over the class default
    """The text is refused: it cannot be read, or it would do what a public query may not.

    ``key`` names its message in :data:`api.i18n.MESSAGES` (Swedish and English); ``str()`` is English.

    Attributes:
        line: 1-based line where the parser stopped (None when the refusal has no position).
        column: 1-based column, likewise.
    """

    def __init__(self, key: str, *, line: int | None = None, column: int | None = None, **params: object) -> None:
        self.line, self.column = line, column
        super().__init__(key, **params, line=line, column=column)


class ExecutorError(BilingualError, QueryError):
    """A public query could not be answered; ``key`` names its message in :data:`api.i18n.MESSAGES`.

    Attributes:
        retry_after: seconds after which the same query may succeed (None: no use trying again).
    """

    retry_after: int | None = None

    def __init__(self, key: str, *, retry_after: int | None = None, **params: object) -> None:
        super().__init__(key, **params)
        if retry_after is not None:
            self.retry_after = retry_after


class QueryRefusedError(_RefusalKind, ExecutorError):  # type: ignore[override]  # likewise
    """The parse policy refused the query (malformed, SERVICE, an update, too deep)."""

    def __init__(self, key: str, *, line: int | None = None, column: int | None = None, **params: Any) -> None:
        super().__init__(key, **{**params, "line": line, "column": column})  # the position is a parameter of the message too
        self.line, self.column = line, column


class QueryFailedError(ExecutorError):
    """The engine refused or failed to evaluate the query (its own syntax check, a type error …)."""

    @property
    def kind(self) -> str:  # type: ignore[override]  # a property over the class default
        return "syntax" if self.key in SYNTAX_KEYS else "failed"


class TooManyRowsError(ExecutorError):
    """The answer has more rows (or triples) than the endpoint gives out in one response."""

    kind = "too-many-rows"


class QueryTimeoutError(ExecutorError):
    """The query ran longer than the timeout and was stopped."""

    kind = "timeout"


class QueryBusyError(ExecutorError):
    """No worker became free in time, or too many queries are waiting."""

    kind = "busy"


class ClientLimitError(QueryBusyError):
    """This client already has as many queries in flight as one client may."""


class WorkerFailedError(ExecutorError):
    """The worker died: over its memory limit, or a crash; or it cannot be sandboxed."""

    kind = "failed"
