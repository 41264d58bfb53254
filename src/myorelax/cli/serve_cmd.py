"""`myorelax serve`: the REST API, CDS Hooks services and web UI with uvicorn."""

from __future__ import annotations

import logging
import os
import re
from typing import Annotated, Any

import typer

from myorelax.errors import InputError, shown

# A host name as RFC 1123 spells it: dot-separated labels of letters, digits and inner hyphens.
_HOSTNAME = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)


def check_host(host: str, field: str) -> None:
    """An address to listen on: an IP address or a host name that resolves (one line naming the
    option otherwise, before anything starts)."""
    import ipaddress
    import socket

    try:
        ipaddress.ip_address(host)
        return
    except ValueError:
        pass
    if not _HOSTNAME.match(host):
        raise InputError(f"{shown(host)} is not an IP address or host name", field=field)
    try:
        socket.getaddrinfo(host, None, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        why = getattr(exc, "strerror", None) or str(exc)
        raise InputError(f"cannot listen on {shown(host)}: {why}",
                         field=field) from None  # fmt: skip


def serve(
    host: Annotated[
        str | None, typer.Option("--host", help="Address to listen on (default 127.0.0.1).")
    ] = None,
    port: Annotated[
        int | None, typer.Option("--port", min=1, max=65535, help="Port (default 8000).")
    ] = None,
    log_level: Annotated[str, typer.Option("--log-level", help="debug, info or warning.")] = "info",
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes sharing the port and the database (default 1).",
        ),
    ] = None,
) -> None:
    """Start the service on 127.0.0.1:8000 (settings from MYORELAX_* environment variables)."""
    if host is not None:  # before anything starts (accounts, the database, the server)
        check_host(host, "--host")
    import uvicorn
    from pydantic import ValidationError

    from myorelax.api.app import create_app, prepare_database
    from myorelax.api.settings import Settings

    if log_level not in ("debug", "info", "warning", "error"):
        raise InputError(f"{log_level!r} is not debug, info, warning or error", field="--log-level")
    try:
        settings = Settings()
    except ValidationError as exc:
        err = exc.errors()[0]
        field = "MYORELAX_" + str(err["loc"][0]).upper() if err["loc"] else "MYORELAX_*"
        raise InputError(err["msg"], field=field) from None
    if host is None:
        check_host(settings.host, "MYORELAX_HOST")
    updates = {k: v for k, v in (("host", host), ("port", port), ("workers", workers))
               if v is not None}  # fmt: skip
    if updates:
        settings = settings.model_copy(update=updates)
        if "public_url" not in settings.model_fields_set:
            settings = settings.model_copy(
                update={"public_url": f"http://{settings.host}:{settings.port}"}
            )
    logging.basicConfig(level=log_level.upper(), format="%(levelname)s %(name)s: %(message)s",
                        force=True)  # fmt: skip
    logging.getLogger("alembic").setLevel(logging.WARNING)
    common: dict[str, Any] = {
        "host": settings.host,
        "port": settings.port,
        "log_level": log_level,
        "access_log": False,  # myorelax.access logs routes without ids, queries or tokens
        "server_header": False,
        # X-Forwarded-For/-Proto are believed only from the configured reverse proxies.
        "proxy_headers": bool(settings.trusted_proxies),
        "forwarded_allow_ips": ",".join(settings.trusted_proxies) or None,
    }
    if settings.workers == 1:
        uvicorn.run(create_app(settings), **common)
        return
    # Several processes: the database is migrated and the first-start accounts made once, here,
    # before the workers start (each worker then finds it ready); the workers read the same
    # settings from the environment.
    prepare_database(settings)
    os.environ.update({
        "MYORELAX_HOST": settings.host,
        "MYORELAX_PORT": str(settings.port),
        "MYORELAX_PUBLIC_URL": settings.public_url,
        "MYORELAX_CREATE_DEMO_USERS": "false",
    })  # fmt: skip
    uvicorn.run("myorelax.api.app:create_app", factory=True, workers=settings.workers, **common)
