"""Alerts and the check report (JSON shape as in the architecture contract)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from myorelax.clinical.not_checked import NotChecked
from myorelax.knowledge.schema import SEVERITY_ORDER, Severity

SUMMARY_MAX = 140


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Evidence(Frozen):
    source: str
    title: str
    url: str
    section: str | None = None


class ExposureEstimate(Frozen):
    """This patient's exposure relative to a typical adult (from the knowledge base or the PK
    simulator), with what it rests on."""

    auc_ratio: float | None = None
    cmax_ratio: float | None = None
    lower_bound: bool = Field(
        default=False, description="the ratios are a floor: the true exposure is higher"
    )
    basis: str


class Alert(Frozen):
    code: str = Field(pattern=r"^MRX-[A-Z]+-[0-9]{3}$")
    severity: Severity
    summary: str
    detail: str
    drugs: tuple[str, ...]
    mechanism: str
    recommendation: str
    exposure: ExposureEstimate | None = None
    evidence: tuple[Evidence, ...] = ()
    # What tells apart two findings of one rule about the same drugs (which contraindication,
    # which recorded allergy): part of the alert's identity, not of its JSON.
    finding: str = Field(default="", exclude=True, repr=False)

    @field_validator("summary")
    @classmethod
    def _short(cls, v: str) -> str:
        if len(v) > SUMMARY_MAX:
            raise ValueError(f"summary is {len(v)} characters; at most {SUMMARY_MAX}")
        return v

    @property
    def rank(self) -> int:
        return SEVERITY_ORDER.index(self.severity)

    def key(self) -> tuple[str, tuple[str, ...], str]:
        """Identity of a finding: the same rule about the same drugs and the same `finding` (a
        rule that can find several things about one drug, such as two contraindicated
        conditions, names each) is one alert."""
        return (self.code, tuple(sorted(self.drugs)), self.finding)


class CheckReport(Frozen):
    """The check's answer. `not_checked` is never left out: an empty list means everything a
    rule needed was known."""

    patient: dict[str, Any]
    orders: tuple[dict[str, Any], ...]
    medications: tuple[dict[str, Any], ...] = ()
    stopping: tuple[str, ...] = ()
    not_checked: tuple[NotChecked, ...] = Field(default=())
    alerts: tuple[Alert, ...]
    knowledge_version: str


def shorten(text: str, limit: int = SUMMARY_MAX) -> str:
    """Cut a summary at a word boundary to fit `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "\u2026"
