"""Trusting CDS clients: the EHR's JWT (CDS Hooks 2.0, "Trusting CDS Clients").

A request to a CDS service carries `Authorization: Bearer <JWT>` signed by the EHR with ES384 or
RS384. It is accepted only when: the algorithm is one of those two (never `none`, never HMAC);
`iss` is on the allowlist in the settings; the signature verifies against that issuer's keys
(inline JWKS or its JWKS URL; a `jku` header must name that same URL); `aud` is exactly the
endpoint called; `exp`, `iat` and `jti` are present (CDS Hooks 2.0 has no `sub`), the token is
not expired and lives no longer than the configured maximum (2.0 sets none; the default is one
hour, how long used `jti` values are kept); `tenant`, where the issuer lists tenants, is one of
them; and its `jti` has not been seen before from that issuer.
Anything else is a bare 401; the reason goes to the log, the token never does.

Used `jti` values are remembered until the token expires, in the database the service uses
(`TokenUseStore`), so that a token used on one server process is refused by every other one
sharing that database, and after a restart. `ReplayCache` is the in-memory equivalent for a
verifier without a database.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import jwt
from jwt import PyJWK, PyJWKClient, PyJWKSet

from myorelax.api.settings import Settings, TrustedIssuer
from myorelax.errors import AuthenticationError

log = logging.getLogger(__name__)

ALGORITHMS = ("ES384", "RS384")
LEEWAY_S = 30
_KID = re.compile(r"[\x21-\x7e]{1,200}")  # printable ASCII, no spaces or control characters


class CdsAuthError(AuthenticationError):
    """Why a CDS client's token was refused (logged, never sent back)."""


@dataclass(frozen=True)
class CdsClient:
    iss: str
    tenant: str | None = None
    fhir_servers: tuple[str, ...] = ()  # the issuer's own FHIR servers (fetching may go there)


class ReplayStore(Protocol):
    def first_use(self, iss: str, jti: str, keep_until: float, now: float) -> bool: ...


class ReplayCache:
    """`jti` values seen per issuer, kept until their token expires (one process only)."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def first_use(self, iss: str, jti: str, keep_until: float, now: float) -> bool:
        with self._lock:
            if len(self._seen) > 10_000:
                self._seen = {k: v for k, v in self._seen.items() if v > now}
            key = (iss, jti)
            if key in self._seen and self._seen[key] > now:
                return False
            self._seen[key] = keep_until
            return True


class CdsVerifier:
    def __init__(
        self,
        settings: Settings,
        clock: Callable[[], float] = time.time,
        replay: ReplayStore | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.issuers: dict[str, TrustedIssuer] = {i.iss: i for i in settings.cds_issuers}
        self.replay: ReplayStore = replay or ReplayCache()
        self._clients: dict[str, PyJWKClient] = {}
        self._parsed: dict[str, list[PyJWK]] = {}
        # Whether verifying may fetch a JWKS over the network (some issuer's keys are by URL).
        self.fetches_keys = any(i.jwks is None for i in settings.cds_issuers)
        self._lock = threading.Lock()

    def _inline_keys(self, issuer: TrustedIssuer) -> list[PyJWK]:
        keys = self._parsed.get(issuer.iss)
        if keys is None:
            keys = PyJWKSet.from_dict(dict(issuer.jwks or {})).keys
            self._parsed[issuer.iss] = keys
        return keys

    def _key(self, issuer: TrustedIssuer, header: dict[str, Any]) -> PyJWK:
        kid = header.get("kid")
        jku = header.get("jku")
        if jku is not None and jku != issuer.jwks_url:
            raise CdsAuthError(f"jku is not the JWKS URL configured for {issuer.iss}")
        if issuer.jwks is not None:
            keys = self._inline_keys(issuer)
            matching = [k for k in keys if k.key_id == kid]
            if not matching:
                raise CdsAuthError("no configured key matches the token's kid")
            return matching[0]
        if issuer.jwks_url is None:
            raise CdsAuthError(f"issuer {issuer.iss} has no keys configured")
        with self._lock:
            client = self._clients.get(issuer.jwks_url)
            if client is None:
                client = PyJWKClient(issuer.jwks_url, cache_keys=True, lifespan=3600, timeout=5)
                self._clients[issuer.jwks_url] = client
        try:
            return client.get_signing_key(str(kid))
        except jwt.PyJWKClientError as exc:
            raise CdsAuthError(f"cannot get the issuer's key: {exc}") from None

    def verify(self, authorization: str | None, audiences: list[str]) -> CdsClient:
        if not authorization or not authorization.lower().startswith("bearer "):
            raise CdsAuthError("no bearer token")
        token = authorization[7:].strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as exc:
            raise CdsAuthError(f"not a JWT: {exc.__class__.__name__}") from None
        alg = header.get("alg")
        kid = header.get("kid")
        if not kid:
            raise CdsAuthError("the JWT header has no kid")
        if not isinstance(kid, str) or not _KID.fullmatch(kid):
            # Checked before any lookup, whose error messages would carry it into the log.
            raise CdsAuthError("the JWT header's kid is not a short printable identifier")
        if alg not in ALGORITHMS:
            raise CdsAuthError(f"algorithm {alg!r} is not ES384 or RS384")
        iss = unverified.get("iss")
        issuer = self.issuers.get(iss) if isinstance(iss, str) else None
        if issuer is None:
            raise CdsAuthError("issuer is not on the allowlist")
        key = self._key(issuer, header)
        try:
            claims = jwt.decode(
                token,
                key=key,
                algorithms=[alg],
                audience=audiences,
                issuer=issuer.iss,
                options={
                    "require": ["exp", "iat", "iss", "aud", "jti"],
                    "verify_exp": False,  # checked below against self.clock
                    "verify_iat": False,
                    "verify_nbf": False,
                },
            )
        except jwt.PyJWTError as exc:
            raise CdsAuthError(f"token refused: {exc.__class__.__name__}: {exc}") from None
        now = self.clock()
        exp, iat = claims["exp"], claims["iat"]
        if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
                   for v in (exp, iat)):  # fmt: skip
            # NaN compares false with everything: it would pass every check below, for ever.
            raise CdsAuthError("exp and iat must be finite numbers")
        if exp <= now - LEEWAY_S:
            raise CdsAuthError("token expired")
        if iat > now + LEEWAY_S:
            raise CdsAuthError("token issued in the future")
        limit = self.settings.cds_jwt_max_lifetime_s
        if limit is not None and exp - iat > limit + LEEWAY_S:
            raise CdsAuthError(f"token lives {exp - iat:.0f} s, more than allowed")
        jti = claims["jti"]
        if not isinstance(jti, str) or not 0 < len(jti) <= 255:
            raise CdsAuthError("jti must be a string of 1 to 255 characters")
        if not self.replay.first_use(issuer.iss, jti, exp + LEEWAY_S, now):
            raise CdsAuthError("jti was already used")
        tenant = claims.get("tenant")
        if issuer.tenants is not None and tenant not in issuer.tenants:
            raise CdsAuthError("tenant is not on the issuer's allowlist")
        return CdsClient(iss=issuer.iss, tenant=str(tenant) if tenant else None,
                         fhir_servers=tuple(issuer.fhir_servers))  # fmt: skip
