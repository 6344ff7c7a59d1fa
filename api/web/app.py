"""Assemble the service: the app only wires routers and state together."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.middleware.body_limit import RequestBodyLimitMiddleware

from api import __version__
from api.curation import remove_temporaries
from api.knowledge.build import open_store
from api.settings import Settings
from api.store import EmbeddedStore, RemoteStore
from api.web import caching, errors
from api.web.middleware import AccessLogMiddleware, HeadMiddleware, ReadOnlyCorsMiddleware
from api.web.routers import curation, linked_data, operations, pages, rest, sparql, workbench
from api.web.state import ServiceState


def create_app(
    store: EmbeddedStore | RemoteStore | None = None, *, root: Path | None = None, token: str | None = None, settings: Settings | None = None
) -> FastAPI:
    """The FastAPI application.

    Args:
        store: the store to serve (default: the embedded store with the bundled knowledge, built if needed).
        root: the project folder (evidence/ is written there on submission).
        token: the bearer token for submissions (default: the settings' write token).
        settings: the service's settings (default: read from the environment).
    """
    settings = settings or Settings()
    saved_index = None  # the measures index is saved beside the on-disk store the settings name, for the next start
    if store is None:
        store = open_store(settings)
        if settings.store_path is not None and isinstance(store, EmbeddedStore):
            saved_index = settings.store_path.with_name(settings.store_path.name + ".measures-index")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        index = app.state.mhkg.index
        if index is not None:  # every organisation's measures, materialised in the background while the service answers
            warming = asyncio.get_running_loop().run_in_executor(None, index.start, saved_index)
        yield
        if index is not None:
            await warming
        app.state.mhkg.close()

    app = FastAPI(
        lifespan=lifespan,
        title="Mental Health Knowledge Graph",
        version=__version__,
        description="Region Stockholm's mental-health strategy and its evidence: SPARQL 1.1 endpoint, REST API, linked data and pages.",
        docs_url=None,  # /docs is the workbench router's: Swagger UI from the service's own files, not a CDN
        redoc_url=None,
    )
    state = ServiceState(store=store, settings=settings, root=root, token=token)  # type: ignore[arg-type]
    app.state.mhkg = state
    if state.embedded:
        remove_temporaries(state.root)  # what a crash mid-submission may have left
    errors.install(app)  # one error boundary: the table from error class to status, answered per audience
    workbench.mount(app)  # the npm packages' files under /static/vendor/, ahead of /static itself
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")

    app.add_middleware(caching.ConditionalGetMiddleware)  # innermost: CORS and the access log see its 304s
    app.add_middleware(ReadOnlyCorsMiddleware)
    app.add_middleware(RequestBodyLimitMiddleware, max_body_size=settings.max_body)  # the framework's limit: 413, declared or streamed
    app.add_middleware(HeadMiddleware)  # inside the access log, which records the HEAD as such
    app.add_middleware(AccessLogMiddleware)
    app.include_router(operations.router)
    app.include_router(sparql.router)
    app.include_router(rest.router)
    app.include_router(rest.catalogue_router(state.root))
    app.include_router(curation.router)
    app.include_router(linked_data.router)
    app.include_router(workbench.router)  # before pages: /query/editor is the editor, not a catalogue query's form
    app.include_router(pages.router)
    return app
