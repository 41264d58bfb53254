"""A real `myorelax serve` process on a free local port, and JWT signing for CDS clients."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

ISSUER = "https://ehr.test.example/"
RSA_ISSUER = "https://rsa-ehr.test.example/"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Keys:
    ec_private: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP384R1())
    )
    rsa_private: rsa.RSAPrivateKey = field(
        default_factory=lambda: rsa.generate_private_key(public_exponent=65537, key_size=2048)
    )

    def jwks(self, which: str) -> dict[str, Any]:
        if which == "ec":
            jwk = json.loads(ECAlgorithm.to_jwk(self.ec_private.public_key()))
            jwk.update(kid="ec-1", alg="ES384", use="sig")
        else:
            jwk = json.loads(RSAAlgorithm.to_jwk(self.rsa_private.public_key()))
            jwk.update(kid="rsa-1", alg="RS384", use="sig")
        return {"keys": [jwk]}

    def token(
        self,
        aud: str | list[str],
        *,
        iss: str = ISSUER,
        alg: str = "ES384",
        exp_in: int = 300,
        iat_ago: int = 0,
        jti: str | None = None,
        kid: str | None = None,
        extra: dict[str, Any] | None = None,
    ) -> str:
        now = int(time.time())
        claims = {
            "iss": iss,
            "aud": aud,
            "iat": now - iat_ago,
            "exp": now + exp_in,
            "jti": jti or str(uuid.uuid4()),
            **(extra or {}),
        }
        key: Any = self.ec_private if alg == "ES384" else self.rsa_private
        default_kid = "ec-1" if alg == "ES384" else "rsa-1"
        return jwt.encode(
            claims, key, algorithm=alg, headers={"kid": kid or default_kid, "typ": "JWT"}
        )


class Server:
    """`myorelax serve` in a subprocess; its first-start passwords read from stderr."""

    def __init__(
        self,
        database_url: str,
        keys: Keys,
        extra_env: dict[str, str] | None = None,
        args: tuple[str, ...] = (),
    ):
        self.database_url = database_url
        self.keys = keys
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        issuers = [
            {"iss": ISSUER, "jwks": keys.jwks("ec")},
            {"iss": RSA_ISSUER, "jwks": keys.jwks("rsa")},
        ]
        env = {
            **os.environ,
            "MYORELAX_DATABASE_URL": database_url,
            "MYORELAX_PUBLIC_URL": self.base,
            "MYORELAX_CDS_ISSUERS": json.dumps(issuers),
            "MYORELAX_MAX_BODY_BYTES": "300000",
            # The fake FHIR servers of the tests listen on 127.0.0.1 (refused by default: see
            # tests/cds_hooks/test_fetching.py for the refusal itself).
            "MYORELAX_CDS_FHIR_PRIVATE_OK": "true",
            **(extra_env or {}),
        }
        exe = Path(sys.executable).parent / "myorelax"
        self.proc = subprocess.Popen(
            [str(exe), "serve", "--port", str(self.port), "--log-level", "info", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()
        self._wait()
        self.passwords = dict(
            re.findall(r"^\s+(admin|demo-clinician|demo-patient)\s+(\S+)$", self.output, re.M)
        )

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    @property
    def output(self) -> str:
        return "".join(self.lines)

    def _wait(self) -> None:
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited:\n{self.output}")
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server did not start:\n{self.output}")

    def login(self, user: str) -> dict[str, str]:
        r = httpx.post(self.base + "/api/v1/auth/login",
                       json={"username": user, "password": self.passwords[user]})  # fmt: skip
        r.raise_for_status()
        return {"Authorization": f"Bearer {r.json()['access_token']}"}

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


@contextmanager
def postgres_server(prefix: str) -> Iterator[Server]:
    """A server on a fresh PostgreSQL schema, dropped afterwards."""
    with postgres_schema(prefix) as url:
        srv = Server(url, Keys())
        try:
            yield srv
        finally:
            srv.stop()


@contextmanager
def postgres_schema(prefix: str) -> Iterator[str]:
    """The URL of a fresh PostgreSQL schema, dropped afterwards."""
    from sqlalchemy import create_engine, text

    from tests.store.conftest import PG_URL

    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f'create schema "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'drop schema "{schema}" cascade'))
        admin.dispose()
