"""`create_app(settings)`: the FastAPI application, with nothing built at import time.

On start it opens the database (migrating it to the latest schema), loads the knowledge base and
terminology once, and, when the database has no users and `create_demo_users` is on, creates a
local administrator and a demo clinician and patient with random passwords, printed once.
"""

from __future__ import annotations

import gc
import logging
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import anyio
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware

from myorelax import __version__
from myorelax.api.cds_auth import CdsVerifier
from myorelax.api.deps import AppState
from myorelax.api.errors import install_error_handlers
from myorelax.api.middleware import AccessLog, BodyLimit, NoStore
from myorelax.api.routes import auth, cds, clinical, diary, fhir, knowledge, plans
from myorelax.api.security import (
    SignInGuard,
    hash_password,
    new_password,
    use_weak_hashes_for_tests,
)
from myorelax.api.settings import Settings
from myorelax.api.web import account_pages, diary_pages, drug_pages, pages, workspace
from myorelax.api.web.session import SignInRequiredError
from myorelax.diary.records import SYSTEM
from myorelax.knowledge.loader import KNOWLEDGE_ENV, load_knowledge
from myorelax.knowledge.release import use_release_loader
from myorelax.knowledge.terminology import terminology_for
from myorelax.store.accounts import AccountStore
from myorelax.store.db import Database
from myorelax.store.feedback import FeedbackStore
from myorelax.store.repositories import DiaryStore
from myorelax.store.rxnorm import release_sources_of
from myorelax.store.shared_state import SignInThrottle, TokenUseStore

log = logging.getLogger(__name__)

DESCRIPTION = """Decision support for centrally acting skeletal muscle relaxants.

- `/api/v1/...`: the same JSON as the command line (`myorelax ... --json`).
- `/cds-services`: HL7 CDS Hooks 2.0 (order-select, order-sign, patient-view).
- Errors are RFC 9457 problem details naming the field.

Sign in with `POST /api/v1/auth/login` and send `Authorization: Bearer <token>`.
Decision support, not a prescriber."""


def create_demo_accounts(st: AppState) -> dict[str, str] | None:
    """On an empty database: an administrator, a demo clinician and a demo patient linked to
    each other, each with a random password. Returns {username: password} once, or None."""
    if st.accounts.count_users() > 0:
        return None
    made: dict[str, str] = {}
    users = {}
    for name, role in (("admin", "admin"), ("demo-clinician", "clinician"),
                       ("demo-patient", "patient")):  # fmt: skip
        password = new_password()
        users[name] = st.diary.create_user(SYSTEM, name, role, hash_password(password))  # type: ignore[arg-type]
        made[name] = password
    record = st.diary.create_patient(SYSTEM, "Demo Patient", user_id=users["demo-patient"].id)
    st.diary.link_clinician(SYSTEM, users["demo-clinician"].id, record.id)
    return made


def build_state(settings: Settings) -> AppState:
    db = Database.connect(settings.database_url)
    # The service's own database holds the loaded RxNorm release, if any (consulted only for
    # names and codes the shipped product index does not know).
    use_release_loader(lambda: release_sources_of(db.engine))
    if settings.knowledge_dir:
        # The site's knowledge for every layer (those that read it without being handed it too).
        os.environ[KNOWLEDGE_ENV] = settings.knowledge_dir
    kb = load_knowledge()
    throttle = SignInThrottle(db, max_failures=settings.sign_in_max_failures,
                              window_s=settings.sign_in_window_s)  # fmt: skip
    return AppState(
        settings=settings,
        kb=kb,
        term=terminology_for(kb),
        db=db,
        diary=DiaryStore(db),
        accounts=AccountStore(db),
        feedback=FeedbackStore(db),
        verifier=CdsVerifier(settings, replay=TokenUseStore(db)),
        sign_in_guard=SignInGuard(
            throttle,
            settings.sign_in_address_max_failures,
            concurrency=settings.sign_in_concurrency,
        ),
    )


def announce_accounts(made: dict[str, str] | None, settings: Settings) -> None:
    if made:
        lines = ["First start: these accounts were created (passwords shown once):"]
        lines += [f"  {u:16} {p}" for u, p in made.items()]
        lines.append(f"Sign in at {settings.public_base}/ or POST /api/v1/auth/login")
        print("\n".join(lines), file=sys.stderr, flush=True)


def prepare_database(settings: Settings) -> None:
    """Migrate the database and, on first start, create the demo accounts: once, before several
    worker processes start."""
    st = build_state(settings)
    if settings.create_demo_users:
        announce_accounts(create_demo_accounts(st), settings)
    st.db.engine.dispose()


API_DOCS_HTML = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>myorelax API</title>
<link rel="stylesheet" href="/docs-assets/swagger-ui.css">
<link rel="stylesheet" href="/static/api-docs.css">
<link rel="icon" href="/docs-assets/favicon-32x32.png">
</head>
<body>
<main id="swagger-ui" aria-label="myorelax API reference"></main>
<script src="/docs-assets/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script>
</body>
</html>
"""


def install_api_docs(app: FastAPI) -> None:
    """`/docs`: Swagger UI from the files of the installed `swagger-ui-bundle-v2` package (served
    under /docs-assets) started by a local script, so that the API reference works without the
    internet and loads nothing from elsewhere."""
    from fastapi.responses import HTMLResponse
    from fastapi.staticfiles import StaticFiles
    from swagger_ui_bundle import swagger_ui_path

    app.mount("/docs-assets", StaticFiles(directory=str(swagger_ui_path)), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    def swagger_ui() -> HTMLResponse:
        return HTMLResponse(API_DOCS_HTML)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    weak = settings.password_hashing == "weak-for-tests"
    use_weak_hashes_for_tests(weak)
    if weak:
        log.warning("password_hashing=weak-for-tests: new password hashes are weak (tests only)")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        st = build_state(settings)
        if settings.cpu_concurrency > 0:
            st.cpu_limiter = anyio.CapacityLimiter(settings.cpu_concurrency)
        app.state.myorelax = st
        if settings.create_demo_users:
            announce_accounts(create_demo_accounts(st), settings)
        # The knowledge base, terminology and libraries are long-lived: move them out of the
        # garbage collector's view so that full collections do not walk them on every request
        # burst (this was the p99 latency under load).
        gc.collect()
        gc.freeze()
        yield
        st.db.engine.dispose()

    app = FastAPI(
        title="myorelax",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    install_api_docs(app)
    install_error_handlers(app)
    app.add_exception_handler(cds.CdsUnauthorized, cds.unauthorized_handler)
    for module in (knowledge, auth, clinical, plans, diary, fhir):
        app.include_router(module.router)
    app.include_router(cds.router)
    for web in (pages, workspace, drug_pages, diary_pages, account_pages):
        app.include_router(web.router)
    app.add_exception_handler(SignInRequiredError, pages.sign_in_redirect)
    app.mount("/static", pages.static_files(), name="static")
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "DELETE"],
            allow_headers=["Authorization", "Content-Type"],
        )
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(NoStore)
    app.add_middleware(AccessLog)
    return app
