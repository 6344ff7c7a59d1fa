"""The researcher's workbench: YASGUI on the service's own endpoint (``/query/editor``) and Swagger UI (``/docs``).

Both are npm packages that ``scripts/setup`` installs into ``build/node`` (git-ignored, never committed); the service
serves them from its own static paths (``/static/vendor/…``), so that no page asks another host for anything. A page
whose package is missing answers 503 with what to run, never a blank page.

The editor's configuration is data in the page (a JSON block that :file:`api/web/static/workbench.js` reads; no
inline script): the endpoint, every predeclared prefix (:data:`api.vocab.PREDECLARED`, read at each request), the
catalogue's queries as tabs with their examples bound, and the classes and properties the completion offers, which
are the graph's own (``queries/internal/editor-vocabulary.rq``): YASQE's default completers, which ask Linked Open
Vocabularies and prefix.cc, are replaced.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from api import vocab
from api.catalogue import catalogue
from api.catalogue.internal import internal, internal_query
from api.errors import AssetsMissingError
from api.i18n import t
from api.settings import PACKAGE_ROOT
from api.web.deps import ServiceState, get_state
from api.web.render import lang_of, render

router = APIRouter(tags=["Pages"], include_in_schema=False)
log = logging.getLogger("mhkg.workbench")

NODE_MODULES = PACKAGE_ROOT / "build" / "node" / "node_modules"
"""Where ``scripts/setup`` installs the npm packages (one ``npm install`` with pinned versions)."""


@dataclass(frozen=True)
class Package:
    """An npm package whose files a page loads from this service."""

    name: str
    folder: Path
    """The folder of the package that is served."""
    path: str
    """Where it is served."""
    files: tuple[str, ...]
    """The files the page loads (all must be there)."""

    def missing(self) -> list[str]:
        return [f for f in self.files if not (self.folder / f).is_file()]

    def require(self) -> None:
        """Raises: AssetsMissingError: a file the page loads is not installed."""
        if self.missing():
            raise AssetsMissingError("assets_missing", package=self.name, folder=str(self.folder.relative_to(PACKAGE_ROOT)))


YASGUI = Package("@zazuko/yasgui", NODE_MODULES / "@zazuko" / "yasgui" / "build", "/static/vendor/yasgui", ("yasgui.min.js", "yasgui.min.css"))
SWAGGER_UI = Package(
    "swagger-ui-dist", NODE_MODULES / "swagger-ui-dist", "/static/vendor/swagger-ui", ("swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png")
)
PACKAGES = (YASGUI, SWAGGER_UI)


class PackageFiles(StaticFiles):
    """The files of an installed package; a 404 (not a server error) for each while it is not installed."""

    def __init__(self, folder: Path) -> None:
        super().__init__(directory=folder, check_dir=False)

    async def check_config(self) -> None:
        if self.directory is not None and os.path.isdir(self.directory):
            await super().check_config()


def mount(app: FastAPI) -> None:
    """Serve each package's files at its path (before the app's own ``/static``, which would take them otherwise)."""
    for package in PACKAGES:
        app.mount(package.path, PackageFiles(package.folder), name=package.path.rsplit("/", 1)[-1])
        if package.missing():
            log.warning("npm package %s is not installed in %s: its page answers 503 until scripts/setup installs it", package.name, package.folder)


# ------------------------------------------------------------------------------ the SPARQL editor
def prefixes() -> dict[str, str]:
    """Every predeclared prefix (:data:`api.vocab.PREDECLARED`), as :mod:`api.vocab` has them now."""
    return dict(vocab.PREDECLARED)


def prologue(names: dict[str, str]) -> str:
    """``PREFIX`` lines for the given prefixes."""
    return "".join(f"PREFIX {p}: <{ns}>\n" for p, ns in names.items())


def catalogue_tabs(state: ServiceState, lang: str) -> list[dict[str, str]]:
    """One tab per catalogue query: named by its summary in ``lang``, its required parameters bound to their examples
    (the optional ones keep their defaults), as ``/query?example=`` runs it."""
    tabs = []
    for q in catalogue(state.root).values():
        examples = {p.name: p.example for p in q.parameters if p.required and p.example}
        name = (q.summary_sv or q.summary) if lang == "sv" else q.summary
        tabs.append({"id": "catalogue-" + q.name, "name": name, "query": q.bind(examples)})
    return tabs


def vocabulary(state: ServiceState) -> dict[str, list[str]]:
    """The classes and properties of the graph (declared by an ontology in it, or used), once per data version."""

    def compute() -> dict[str, list[str]]:
        found: dict[str, list[str]] = {"class": [], "property": []}
        for row in state.store.select(internal("editor-vocabulary")):
            found[row["kind"].value].append(row["term"].value)
        return found

    return state.cached(("editor-vocabulary",), compute)


def editor_config(state: ServiceState, *, lang: str, endpoint: str) -> dict[str, Any]:
    """What :file:`workbench.js` sets YASGUI up with (see the module's description)."""
    names = prefixes()
    terms = vocabulary(state)
    return {
        "endpoint": endpoint,
        "base": vocab.BASE_IRI,
        "prefixes": names,
        "classes": terms["class"],
        "properties": terms["property"],
        "start": {"name": t("editor_first_tab", lang), "query": prologue(names) + internal_query("query-page-example").text},
        "tabs": catalogue_tabs(state, lang),
        "texts": {"tab": t("editor_tab", lang), "editor": t("query_text", lang), "endpoint": t("editor_endpoint", lang)},
    }


@router.get("/query/editor", response_class=HTMLResponse)
def editor(request: Request, state: ServiceState = Depends(get_state)) -> HTMLResponse:
    YASGUI.require()
    endpoint = str(request.url_for("sparql_get"))
    config = editor_config(state, lang=lang_of(request), endpoint=endpoint)
    return render(request, "workbench.html", config=config, endpoint=endpoint, yasgui=YASGUI.path)


# ------------------------------------------------------------------------------ the OpenAPI's documentation
@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request) -> HTMLResponse:
    """Swagger UI from the service's own files, without its validator badge (which asks validator.swagger.io), in
    a page that says its language."""
    SWAGGER_UI.require()
    app = request.app
    page = get_swagger_ui_html(
        openapi_url=request.scope.get("root_path", "") + app.openapi_url,
        title=f"{app.title} – API",
        swagger_js_url=f"{SWAGGER_UI.path}/swagger-ui-bundle.js",
        swagger_css_url=f"{SWAGGER_UI.path}/swagger-ui.css",
        swagger_favicon_url=f"{SWAGGER_UI.path}/favicon-32x32.png",
        swagger_ui_parameters={"validatorUrl": None},
    )
    body = bytes(page.body).replace(b"<html>", b'<html lang="en">', 1)  # Swagger UI is in English (WCAG 3.1.1)
    return HTMLResponse(body)
