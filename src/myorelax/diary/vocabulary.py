"""The diary's closed vocabularies (entry kinds, dose statuses, side effects, CSV columns): small
enough to import anywhere, including the command line's help text."""

from __future__ import annotations

from typing import Literal

EntryKind = Literal[
    "dose", "pain", "spasm", "stiffness", "stress", "pss10", "sleep", "side_effect", "note"
]
KINDS: tuple[str, ...] = EntryKind.__args__  # type: ignore[attr-defined]
DoseStatus = Literal["planned", "extra", "prn"]
SIDE_EFFECTS = ("drowsiness", "dizziness", "weakness", "confusion", "nausea")
SIDE_EFFECT_OTHER = "other"  # anything else, stored as "other: <the person's words>"
PSS10_REVERSED = (4, 5, 7, 8)  # 1-based item numbers scored 4 - answer
NRS_KINDS = ("pain", "stiffness", "stress")
CSV_FIELDS = (
    "id",
    "at",
    "kind",
    "drug",
    "dose_mg",
    "dose_status",
    "value",
    "severity",
    "quality",
    "symptom",
    "items",
    "text",
)
