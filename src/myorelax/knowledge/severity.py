"""Alert severities, most severe first: a vocabulary small enough to import anywhere."""

from __future__ import annotations

from typing import Literal

Severity = Literal["contraindicated", "major", "moderate", "minor"]
SEVERITY_ORDER: tuple[Severity, ...] = ("contraindicated", "major", "moderate", "minor")
