"""Who is acting, and the records a diary belongs to: accounts, patients, regimen periods."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Role = Literal["patient", "clinician", "admin"]


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Actor(Frozen):
    """The user on whose behalf a repository call runs (access is checked against it)."""

    user_id: int | None
    role: Role
    name: str = ""


SYSTEM = Actor(user_id=None, role="admin", name="local administrator (command line)")


class UserAccount(Frozen):
    id: int
    username: str
    role: Role


class PatientRecord(Frozen):
    id: int
    display_name: str
    user_id: int | None = None
    timezone: str = "UTC"


class RegimenPeriod(Frozen):
    """A prescribed regimen over [start, end] (end None: current)."""

    id: int | None = None
    patient_id: int
    sig: str
    drug: str
    dose_mg: float | None
    doses_per_day: float | None
    times: tuple[str, ...] = ()
    prn: bool = False
    start: date
    end: date | None = None

    def active_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day <= self.end)


class AuditEvent(Frozen):
    id: int
    user_id: int | None
    action: str
    entity: str
    entity_id: int | None = None
    patient_id: int | None = None
    detail: str | None = None
    at_iso: str = Field(description="UTC timestamp, ISO 8601")
