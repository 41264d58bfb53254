"""One exception tree for everything myorelax raises on purpose.

::

    MyorelaxError                      base; never raised itself
    ├── InputError                     bad input from a person or a program (CLI exit 2, HTTP 4xx)
    │   ├── UnknownDrugError           a name that resolves to no ingredient (with suggestions)
    │   ├── UnitError                  a unit that does not parse or does not fit the quantity
    │   ├── SigParseError              dose text that the SIG grammar does not accept
    │   ├── PatientDataError           impossible or contradictory patient facts
    │   └── NotFoundError              a record (patient, entry) that does not exist (HTTP 404)
    ├── AccessError                    the user may not read or change this record (CLI exit 4, HTTP 403)
    ├── AuthenticationError            a caller's credentials were refused (HTTP 401; reason logged only)
    │   └── TooManyAttemptsError       sign-ins refused for a while after repeated failures (HTTP 429)
    ├── DataUnavailableError           data a check needs can be had from nowhere (CDS: 412)
    └── KnowledgeError                 the knowledge base failed validation (CLI exit 1)

Every error names the field it is about and says what is wrong with it in one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# The most of a person's input an error message repeats back (an echo, not a copy).
ECHO_LIMIT = 80
# The longest error line printed: a message that quotes input it did not shorten is cut here.
LINE_LIMIT = 400


def shown(value: Any, limit: int = ECHO_LIMIT) -> str:
    """`value` as an error message echoes it: its repr (control characters escaped, so it stays
    on one line), cut to `limit` characters with the length of what was left out."""
    text = value if isinstance(value, str) else str(value)
    if len(text) > limit:
        return f"{text[:limit]!r}... ({len(text)} characters)"
    return repr(text) if isinstance(value, str) else one_line(text)


def one_line(message: str, limit: int = LINE_LIMIT) -> str:
    """An error message as one printable line: line breaks and other control characters
    escaped, and cut to `limit` characters (a message may quote a whole file's worth of input)."""
    head = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii")
        for ch in message[: limit + 1]
    )
    if len(message) > limit or len(head) > limit:
        return f"{head[:limit]}... ({len(message)} characters)"
    return head


class MyorelaxError(Exception):
    """Base class of every error myorelax raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def __str__(self) -> str:
        if self.field:
            return f"{self.field}: {self.message}"
        return self.message


class InputError(MyorelaxError):
    """Input from a person or a program is wrong; the message says which field and why."""

    exit_code = 2


class UnknownDrugError(InputError):
    """A drug name (or code) that resolves to nothing the knowledge base knows."""

    def __init__(
        self,
        name: str,
        suggestions: Sequence[str] = (),
        *,
        field: str | None = "drug",
        detail: str | None = None,
    ) -> None:
        self.name = name
        self.suggestions = tuple(suggestions)
        self.detail = detail
        if detail:
            hint = detail
        elif self.suggestions:
            hint = "did you mean " + " or ".join(self.suggestions[:3]) + "?"
        else:
            hint = "no similar name is known"
        super().__init__(f"unknown drug {name!r}; {hint}", field=field)


class UnitError(InputError):
    """A unit that does not parse, or a quantity in the wrong kind of unit."""


class SigParseError(InputError):
    """Dose text (SIG) that does not follow the grammar; `position` is where parsing stopped."""

    def __init__(
        self, text: str, position: int, problem: str, *, field: str | None = "sig"
    ) -> None:
        self.text = text
        self.position = position
        self.problem = problem
        pointer = f"{text[:position]}\u2038{text[position:]}"
        super().__init__(f"{problem} at character {position + 1}: {pointer!r}", field=field)


class PatientDataError(InputError):
    """Patient facts that are impossible (age 250) or contradict each other (pregnant and male)."""


class NotFoundError(InputError):
    """A record that does not exist (or that the user may not know exists)."""


class AccessError(MyorelaxError):
    """The acting user may not read or change this record."""

    exit_code = 4


class AuthenticationError(MyorelaxError):
    """A caller's credentials (password, session, EHR token) were refused. The message is for the
    log: callers get a bare refusal so that it cannot be used to probe."""

    exit_code = 3


class TooManyAttemptsError(AuthenticationError):
    """Too many failed sign-ins (or too many at once): try again after `retry_after_s`."""

    def __init__(self, retry_after_s: float) -> None:
        self.retry_after_s = max(1, int(retry_after_s + 0.999))
        super().__init__(
            f"too many sign-in attempts; try again in {self.retry_after_s} s", field="username"
        )


class DataUnavailableError(MyorelaxError):
    """Data a check requires is neither in the request nor obtainable (CDS Hooks: 412)."""


class KnowledgeError(MyorelaxError):
    """The knowledge base did not validate; `problems` lists every (file, field, problem)."""

    def __init__(self, problems: Sequence[tuple[str, str, str]]) -> None:
        self.problems = tuple(problems)
        first = self.problems[0] if self.problems else ("?", "?", "unknown problem")
        more = f" (and {len(self.problems) - 1} more)" if len(self.problems) > 1 else ""
        super().__init__(f"knowledge base invalid: {first[0]}: {first[1]}: {first[2]}{more}")
