"""`myorelax serve`: the REST API, CDS Hooks services and web UI with uvicorn."""

from __future__ import annotations

import logging
from typing import Annotated

import typer

from myorelax.errors import InputError


def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[int | None, typer.Option("--port", help="Port (default 8000).")] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info or warning.")] = "info",
) -> None:
    """Start the service on 127.0.0.1:8000 (settings from MYORELAX_* environment variables)."""
    import uvicorn
    from pydantic import ValidationError

    from myorelax.api.app import create_app
    from myorelax.api.settings import Settings

    if log_level not in ("debug", "info", "warning", "error"):
        raise InputError(f"{log_level!r} is not debug, info, warning or error", field="--log-level")
    try:
        settings = Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        field = "MYORELAX_" + str(err["loc"][0]).upper() if err["loc"] else "MYORELAX_*"
        raise InputError(err["msg"], field=field) from None
    updates = {k: v for k, v in (("host", host), ("port", port)) if v is not None}
    if updates:
        settings = settings.model_copy(update=updates)
        if "public_url" not in settings.model_fields_set:
            settings = settings.model_copy(
                update={"public_url": f"http://{settings.host}:{settings.port}"}
            )
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s",
                        force=True)  # fmt: skip
    logging.getLogger("alembic").setLevel(logging.WARNING)
    uvicorn.run(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        access_log=False,  # myorelax.access logs routes without ids, queries or tokens
        server_header=False,
    )
