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
