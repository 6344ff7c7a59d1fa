"""The project's own exceptions: domain code raises these; the CLI and HTTP boundary map them."""

from __future__ import annotations

from pathlib import Path


class MhkgError(Exception):
    """Base class of the project's errors."""


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


class QueryError(MhkgError):
    """A SPARQL query is malformed or cannot be evaluated."""


class StoreError(MhkgError):
    """The store could not be read or written (e.g. a remote endpoint is unreachable)."""


class ParameterError(MhkgError):
    """A catalogue parameter is missing, unknown or malformed."""


# ------------------------------------------------------------------ curation: checking and submitting entries
class CurationError(MhkgError):
    """An entry was refused, or may not be submitted. ``str()`` is English; :meth:`text` gives either language."""

    def __init__(self, en: str, sv: str) -> None:
        super().__init__(en)
        self.en, self.sv = en, sv

    def text(self, lang: str) -> str:
        """The message in ``lang`` ("sv" or "en"; anything else gives Swedish, the service's default)."""
        return self.en if lang == "en" else self.sv


class EntryFormatError(CurationError):
    """The entry is sent in a media type that is not read (Turtle, JSON-LD and N-Triples are)."""


class EntryEncodingError(CurationError):
    """The entry is not UTF-8 text."""


class EntryRefusedError(CurationError):
    """The entry is not of the expected form: no typed resource, not exactly one entry, other subjects, or a bad IRI."""


class EntryNotConformingError(CurationError):
    """The entry does not conform to the shapes. ``report`` is the SHACL report as a dict (the answer's body)."""

    def __init__(self, en: str, sv: str, *, report: dict[str, object]) -> None:
        super().__init__(en, sv)
        self.report = report


class EntryExistsError(CurationError):
    """An entry with this IRI exists (as a file or in the store)."""


class SubmissionsUnavailableError(CurationError):
    """The service cannot write entries: it reads a remote SPARQL endpoint."""


class TokenMissingError(CurationError):
    """A write needs a bearer token and none was given."""


class TokenRefusedError(CurationError):
    """The bearer token is wrong, or writes are switched off (no token configured)."""
