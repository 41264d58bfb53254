"""`myorelax users`: the service's accounts on the local database (as its administrator).

`users reset-password NAME` sets a new password (random and printed once, or read from stdin
with `--stdin`) and ends every session of that user; the change is audited like the web's.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from myorelax.cli.output import console, emit_json, err_console
from myorelax.errors import InputError, NotFoundError

users_app = typer.Typer(
    help="Accounts of the service: list them, reset a password.", no_args_is_help=True
)
JsonOut = Annotated[bool, typer.Option("--json", help="Machine-readable JSON on stdout.")]


@users_app.command("list")
def users_list(json_out: JsonOut = False) -> None:
    """Every account: id, user name, role."""
    from myorelax.store.accounts import AccountStore
    from myorelax.store.db import Database

    accounts = AccountStore(Database.connect()).users()
    if json_out:
        emit_json({"users": list(accounts)})
        return
    for a in accounts:
        console.print(f"{a.id}\t{a.username}\t{a.role}", markup=False)


@users_app.command("reset-password")
def users_reset_password(
    name: Annotated[str, typer.Argument(help="The user name.")],
    stdin: Annotated[
        bool,
        typer.Option(
            "--stdin",
            help="Read the new password from the first line of stdin (at least 12 characters) "
            "instead of making a random one.",
        ),
    ] = False,
    json_out: JsonOut = False,
) -> None:
    """Set a user's password and end all of their sessions. Without --stdin a random password
    is made and printed once."""
    from myorelax.api.security import password_problem, reset_password
    from myorelax.diary.records import SYSTEM
    from myorelax.store.accounts import AccountStore
    from myorelax.store.db import Database

    chosen: str | None = None
    if stdin:
        chosen = sys.stdin.readline().rstrip("\r\n")
        problem = password_problem(chosen)
        if problem is not None:
            raise InputError(f"the password read {problem}", field="--stdin")
    accounts = AccountStore(Database.connect())
    try:
        account, generated, ended = reset_password(accounts, SYSTEM, name, chosen)
    except NotFoundError as exc:
        raise NotFoundError(exc.message, field="NAME") from None
    if json_out:
        emit_json({"user": account, "password": generated, "sessions_ended": ended})
        return
    if generated is not None:
        err_console.print(f"new password for {account.username} (shown once):", markup=False)
        print(generated)
    err_console.print(
        f"password of {account.username} ({account.role}) reset; {ended} "
        f"{'session' if ended == 1 else 'sessions'} ended",
        markup=False,
    )
