"""The service's settings: one typed object, the only reader of the ``MHKG_*`` environment.

Every setting has one default, written here. Entry points (the ``mhkg`` command, :func:`api.web.app.create_app`)
read the settings once and pass them on; library functions take what they need as arguments.

>>> s = Settings(query_timeout=5, home="/tmp")
>>> s.query_timeout, s.build_dir
(5.0, PosixPath('/tmp/build'))
"""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
"""The checkout this package lives in: the default project folder."""
HTTP_PROTOCOLS = ("httptools", "h11")
"""The HTTP/1.1 implementations ``mhkg serve`` runs (api/web/server.py), the default first."""


class Settings(BaseSettings):
    """Everything the environment may set, each as ``MHKG_<NAME>`` (for example ``MHKG_QUERY_TIMEOUT=5``)."""

    model_config = SettingsConfigDict(env_prefix="MHKG_", extra="ignore", frozen=True)

    home: Path = Field(default=PACKAGE_ROOT, description="the folder holding ontology/, evidence/, shapes/ and queries/")
    build_folder: Path | None = Field(
        default=None, validation_alias=AliasChoices("MHKG_BUILD_DIR", "build_dir"), description="where the build writes its releases (default: <home>/build)"
    )
    store_path: Path | None = Field(default=None, description="an on-disk store reused across restarts (default: in memory)")
    endpoint: str | None = Field(default=None, description="a SPARQL 1.1 query endpoint to use instead of the embedded store")
    update_endpoint: str | None = Field(default=None, description="the remote store's SPARQL Update endpoint (default: derived from the endpoint)")
    store_endpoint: str | None = Field(default=None, description="the remote store's Graph Store Protocol endpoint (default: derived)")
    endpoint_flavour: str | None = Field(default=None, description="'fuseki' where the remote store's URLs follow Fuseki's layout")
    write_token: str | None = Field(default=None, description="the bearer token for submissions and updates; none disables writes")
    curators_file: Path | None = Field(
        default=None, description="a TOML file, outside the repository, naming the curators and reviewers with their roles and hashed tokens"
    )
    curators: str | None = Field(default=None, description="the same people as JSON ({name: {label, roles, token_sha256}}), e.g. from a secret store")
    token: str | None = Field(default=None, description="your own curator's or reviewer's token, for mhkg review (never given on the command line)")
    service_url: str = Field(default="http://127.0.0.1:8000", description="the service mhkg review talks to")
    query_timeout: float = Field(default=10.0, gt=0, description="seconds a public query may run")
    query_workers: int = Field(default=2, ge=1, description="worker processes for public queries")
    max_rows: int = Field(default=10_000, ge=1, description="rows a public query may return")
    worker_memory_mb: int = Field(default=4096, ge=64, description="address space of each query worker, in MiB")
    max_body: int = Field(default=1024 * 1024, ge=1, description="bytes a request body may have")
    header_timeout: float = Field(default=10.0, gt=0, description="seconds for a request line and headers to arrive")
    max_connections: int = Field(default=256, ge=1, description="open connections served at once")

    @field_validator("home", mode="after")
    @classmethod
    def _absolute(cls, value: Path) -> Path:
        return value.resolve()

    @field_validator("write_token", "endpoint", "curators", "curators_file", "token", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def build_dir(self) -> Path:
        """Where the build writes its releases."""
        return self.build_folder.resolve() if self.build_folder else self.home / "build"


def current() -> Settings:
    """The settings as the environment gives them now (read afresh: tests and sub-commands change it)."""
    return Settings()


def project_root() -> Path:
    """The folder holding ontology/, evidence/, shapes/ and queries/ (``MHKG_HOME``, else this checkout)."""
    return current().home


def build_dir() -> Path:
    """Where the build writes its releases (``MHKG_BUILD_DIR``, else ``<home>/build``)."""
    return current().build_dir
