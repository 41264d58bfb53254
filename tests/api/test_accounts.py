"""Accounts over REST (issue 21): change your password, list and end your sessions, and an
administrator's password reset; each ends the right sessions and is audited."""

from __future__ import annotations

import sqlite3
import uuid

import httpx

from tests.api.server import Server

PASSWORD = "correct horse battery"


def _user(server: Server, admin: dict[str, str], role: str = "clinician") -> str:
    name = f"acct-{uuid.uuid4().hex[:8]}"
    r = httpx.post(server.base + "/api/v1/users", headers=admin,
                   json={"username": name, "role": role, "password": PASSWORD})  # fmt: skip
    assert r.status_code == 201, r.text
    return name


def _login(server: Server, name: str, password: str = PASSWORD, agent: str = "test-client/1"
           ) -> httpx.Response:  # fmt: skip
    return httpx.post(server.base + "/api/v1/auth/login", headers={"User-Agent": agent},
                      json={"username": name, "password": password})  # fmt: skip


def _bearer(server: Server, name: str, agent: str = "test-client/1") -> dict[str, str]:
    r = _login(server, name, agent=agent)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _me(server: Server, headers: dict[str, str]) -> int:
    return httpx.get(server.base + "/api/v1/auth/me", headers=headers).status_code


def _audit(server: Server, entity: str) -> list[tuple[str, str | None]]:
    path = server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(path) as conn:
        return list(
            conn.execute("select action, detail from audit_log where entity = ?", (entity,))
        )


def test_change_password_needs_the_current_one_and_ends_other_sessions(
    server: Server, admin: dict[str, str]
) -> None:
    name = _user(server, admin)
    here, elsewhere = _bearer(server, name, "here/1"), _bearer(server, name, "elsewhere/1")
    url = server.base + "/api/v1/auth/password"

    short = httpx.post(url, headers=here, json={"current_password": PASSWORD,
                                                "new_password": "too short"})  # fmt: skip
    assert short.status_code == 422 and short.json()["field"] == "new_password"
    assert "at least 12 characters" in short.json()["detail"]
    wrong = httpx.post(url, headers=here, json={"current_password": "not the password",
                                                "new_password": "a brand new passphrase"})  # fmt: skip
    assert wrong.status_code == 422 and wrong.json()["field"] == "current_password"
    same = httpx.post(url, headers=here, json={"current_password": PASSWORD,
                                               "new_password": PASSWORD})  # fmt: skip
    assert same.status_code == 422 and same.json()["field"] == "new_password"
    assert _me(server, elsewhere) == 200  # nothing changed yet

    ok = httpx.post(url, headers=here, json={"current_password": PASSWORD,
                                             "new_password": "a brand new passphrase"})  # fmt: skip
    assert ok.status_code == 200 and ok.json() == {"other_sessions_ended": 1}
    assert _me(server, here) == 200 and _me(server, elsewhere) == 401
    assert _login(server, name).status_code == 401
    assert _login(server, name, "a brand new passphrase").status_code == 200
    assert ("update", "changed by its user; 1 other sessions ended") in _audit(server, "password")


def test_a_cookie_only_password_change_must_come_from_this_site(
    server: Server, admin: dict[str, str]
) -> None:
    name = _user(server, admin)
    token = _login(server, name).json()["access_token"]
    body = {"current_password": PASSWORD, "new_password": "another long passphrase"}
    cookies = {"myorelax_session": token}
    foreign = httpx.post(server.base + "/api/v1/auth/password", json=body, cookies=cookies,
                         headers={"Origin": "https://evil.example"})  # fmt: skip
    assert foreign.status_code == 403
    assert _login(server, name).status_code == 200  # the password is unchanged


def test_sessions_are_listed_and_ended(server: Server, admin: dict[str, str]) -> None:
    name = _user(server, admin)
    one, two, three = (_bearer(server, name, f"client-{i}/1") for i in (1, 2, 3))
    listed = httpx.get(server.base + "/api/v1/auth/sessions", headers=one).json()["sessions"]
    assert len(listed) == 3
    current = [s for s in listed if s["current"]]
    assert len(current) == 1 and current[0]["user_agent"] == "client-1/1"
    assert {"id", "created_at", "expires_at", "last_used_at"} <= set(current[0])
    assert "token" not in str(listed)

    two_id = next(s["id"] for s in listed if s["user_agent"] == "client-2/1")
    url = server.base + f"/api/v1/auth/sessions/{two_id}"
    assert httpx.delete(url, headers=one).status_code == 204
    assert _me(server, two) == 401
    assert httpx.delete(url, headers=one).status_code == 404  # already ended
    assert httpx.delete(url, headers=admin).status_code == 404  # not the admin's own

    others = httpx.delete(server.base + "/api/v1/auth/sessions/others", headers=one)
    assert others.status_code == 200 and others.json() == {"sessions_ended": 1}
    assert _me(server, three) == 401 and _me(server, one) == 200
    assert any(d == "ended by its user" for _, d in _audit(server, "session"))


def test_admin_reset_is_admin_only_and_ends_every_session(
    server: Server, admin: dict[str, str], clinician: dict[str, str]
) -> None:
    name = _user(server, admin, "patient")
    theirs = _bearer(server, name)
    url = server.base + f"/api/v1/users/{name}/password"
    assert httpx.post(url, headers=clinician).status_code == 403
    assert httpx.post(url, headers=theirs).status_code == 403
    assert httpx.get(server.base + "/api/v1/users", headers=clinician).status_code == 403
    assert _me(server, theirs) == 200

    short = httpx.post(url, headers=admin, json={"new_password": "short"})
    assert short.status_code == 422 and short.json()["field"] == "new_password"
    missing = httpx.post(server.base + "/api/v1/users/nobody-here/password", headers=admin)
    assert missing.status_code == 404
    own = httpx.post(server.base + "/api/v1/users/admin/password", headers=admin)
    assert own.status_code == 422 and own.json()["field"] == "username"

    made = httpx.post(url, headers=admin)
    assert made.status_code == 200, made.text
    body = made.json()
    assert body["user"]["username"] == name and body["sessions_ended"] == 1
    assert len(body["password"]) >= 12
    assert _me(server, theirs) == 401
    assert _login(server, name, body["password"]).status_code == 200

    chosen = httpx.post(url, headers=admin, json={"new_password": "chosen by the admin"})
    assert chosen.status_code == 200 and chosen.json()["password"] is None
    assert _login(server, name, "chosen by the admin").status_code == 200
    assert any((d or "").startswith("reset by admin") for _, d in _audit(server, "password"))
    names = {u["username"] for u in httpx.get(server.base + "/api/v1/users",
                                              headers=admin).json()["users"]}  # fmt: skip
    assert {"admin", name} <= names
