"""One real server process per test session (SQLite in a temporary folder)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.server import Keys, Server


@pytest.fixture(scope="session")
def keys() -> Keys:
    return Keys()


@pytest.fixture(scope="session")
def server(keys: Keys, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    folder: Path = tmp_path_factory.mktemp("server")
    srv = Server(f"sqlite:///{folder / 'service.db'}", keys)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def admin(server: Server) -> dict[str, str]:
    return server.login("admin")


@pytest.fixture(scope="session")
def clinician(server: Server) -> dict[str, str]:
    return server.login("demo-clinician")


@pytest.fixture(scope="session")
def patient_user(server: Server) -> dict[str, str]:
    return server.login("demo-patient")
