"""Request bodies of the REST API. Field names are the CLI's `--patient` file fields, so an
error names the same field in both. Limits keep one request from taking the server down."""

from __future__ import annotations

from datetime import date as Date  # noqa: N812
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
)
from pydantic_core import PydanticCustomError

# Record ids are 32-bit integers in every supported database (SQLAlchemy Integer).
MAX_RECORD_ID = 2**31 - 1
# Dates a clinical record can carry. Outside this window, date arithmetic (a plan's last day,
# a pump's refill date, a diary window in UTC) would leave the calendar; such input is refused
# with the field named instead.
FIRST_DATE = Date(1900, 1, 1)
LAST_DATE = Date(2199, 12, 31)


def _clinical_date(value: Date) -> Date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(f"must be between {FIRST_DATE} and {LAST_DATE}")
    return value


ClinicalDate = Annotated[Date, AfterValidator(_clinical_date)]

FORM = {"form": True}
"""Validation context of a web form, whose fields are all text: `PatientIn` numbers may then
be given as text ("72"); a JSON body must give a JSON number."""


def _json_number(value: Any, info: ValidationInfo) -> Any:
    """A patient number must be a JSON number: `true` is not 1 and "60" is not 60 (pydantic's
    lax mode would take both). Integers are numbers."""
    if isinstance(value, bool):
        raise PydanticCustomError("number_type", "must be a number, not true or false")
    if isinstance(value, str) and not (info.context or {}).get("form"):
        raise PydanticCustomError("number_type", "must be a JSON number, not a string")
    return value


PatientNumber = Annotated[float | None, BeforeValidator(_json_number)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MedicationIn(Body):
    sig: str = Field(min_length=1, max_length=300)
    start: ClinicalDate | None = None


class PatientIn(Body):
    """What is known about the patient. Leave out what is unknown: nothing is assumed."""

    age_years: PatientNumber = Field(default=None, ge=0, le=125)
    sex: Literal["female", "male", "unknown"] | None = None
    weight_kg: PatientNumber = Field(default=None, gt=0.3, le=400)
    height_cm: PatientNumber = Field(default=None, ge=30, le=260)
    scr_mg_dl: PatientNumber = Field(default=None, gt=0.05, le=30)
    crcl_ml_min: PatientNumber = Field(default=None, ge=0, le=300)
    egfr_ml_min: PatientNumber = Field(default=None, ge=0, le=300)
    egfr_reported: str | None = Field(
        default=None,
        pattern=r"^\s*(<=?|>=?)\s*\d{1,3}(\.\d+)?\s*$",
        description="an eGFR the laboratory reported as a bound ('>60', '<15'), given instead "
        "of egfr_ml_min: applied at the bound and shown as reported",
    )
    dialysis: bool = Field(default=False, strict=True)
    child_pugh: Literal["A", "B", "C"] | None = None
    pregnant: bool | None = Field(
        default=None, strict=True, description="leave out when not recorded"
    )
    lactating: bool | None = Field(
        default=None, strict=True, description="leave out when not recorded"
    )
    conditions: list[str] = Field(default_factory=list, max_length=100)
    allergies: list[str] | None = Field(
        default=None,
        max_length=100,
        description="drug or class allergies; [] or ['none'] for no known allergies; leave out "
        "when not recorded",
    )
    cyp2c19: Literal["PM", "IM", "NM", "RM", "UM"] | None = None
    alcohol: bool = Field(default=False, strict=True)
    substance_use_disorder: bool = Field(default=False, strict=True)
    medications: list[str | MedicationIn] = Field(
        default_factory=list, max_length=100, description="current medications as SIG text"
    )

    def data(self) -> dict[str, Any]:
        raw = self.model_dump(exclude_none=True)
        raw["medications"] = [
            m if isinstance(m, str) else m.model_dump(exclude_none=True) for m in self.medications
        ]
        return raw


class CheckIn(Body):
    patient: PatientIn = Field(default_factory=PatientIn)
    orders: list[str] = Field(default_factory=list, max_length=50, description="SIG texts")
    stopping: list[str] = Field(default_factory=list, max_length=50)
    date: ClinicalDate | None = Field(default=None, description="date of the check; default today")

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "patient": {
                        "age_years": 72,
                        "sex": "female",
                        "egfr_ml_min": 38,
                        "medications": ["oxycodone 5 mg q6h prn"],
                    },
                    "orders": ["carisoprodol 350 mg tid"],
                }
            ]
        },
    )


class MissedIn(Body):
    day: int = Field(ge=1, le=366)
    clock: str = Field(pattern=r"^\d{1,2}:\d{2}$")


class ExtraIn(Body):
    hours: float = Field(ge=0, le=24 * 366)
    amount_mg: float = Field(gt=0, le=10_000)


class ChangeIn(Body):
    day: int = Field(ge=1, le=366)
    amount_mg: float = Field(gt=0, le=10_000)


class SimulateIn(Body):
    sig: str = Field(min_length=1, max_length=300)
    days: float = Field(default=7.0, gt=0, le=90)
    population: int = Field(default=0, ge=0, le=1000)
    seed: int | None = Field(default=None, ge=0, le=2**32 - 1)
    residual: bool = False
    compare_normal: bool = False
    step_h: float = Field(default=0.1, ge=0.01, le=24)
    threshold: str | None = Field(default=None, max_length=40, examples=["10 mcg/mL"])
    missed: list[MissedIn] = Field(default_factory=list, max_length=100)
    extra: list[ExtraIn] = Field(default_factory=list, max_length=100)
    changes: list[ChangeIn] = Field(default_factory=list, max_length=100)
    steady_state: bool = False
    fed: bool = False
    infusion_h: float | None = Field(default=None, gt=0, le=24)
    include_profiles: bool = Field(default=True, description="include the concentration series")
    patient: PatientIn = Field(default_factory=PatientIn)

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "sig": "tizanidine 4 mg tid",
                    "days": 3,
                    "compare_normal": True,
                    "patient": {"age_years": 60, "medications": ["ciprofloxacin 500 mg bid"]},
                }
            ]
        },
    )


class TitrateIn(Body):
    drug: str = Field(min_length=1, max_length=80, examples=["baclofen"])
    target: str | None = Field(default=None, max_length=100, examples=["20 mg tid"])
    step_days: int | None = Field(default=None, ge=1, le=60)
    start: ClinicalDate | None = None
    form: str | None = Field(default=None, max_length=40)
    patient: PatientIn = Field(default_factory=PatientIn)


class TaperIn(Body):
    sig: str = Field(min_length=1, max_length=300, examples=["baclofen 20 mg qid"])
    days: int | None = Field(default=None, ge=1, le=365)
    used_weeks: float | None = Field(default=None, ge=0, le=2600)
    start: ClinicalDate | None = None
    form: str | None = Field(default=None, max_length=40)
    patient: PatientIn = Field(default_factory=PatientIn)


class PumpChangeIn(Body):
    date: ClinicalDate
    dose_mcg_day: float = Field(gt=0, le=5000)


class PumpIn(Body):
    reservoir_ml: float = Field(gt=0, le=100, examples=[20])
    concentration_mcg_ml: float = Field(gt=0, le=10_000, examples=[2000])
    dose_mcg_day: float = Field(gt=0, le=5000, examples=[400])
    last_refill: ClinicalDate
    alarm_ml: float | None = Field(default=None, gt=0, le=100)
    changes: list[PumpChangeIn] = Field(default_factory=list, max_length=50)


class LoginIn(Body):
    username: str = Field(min_length=1, max_length=80)
    password: str = Field(min_length=1, max_length=200)


class TokenOut(BaseModel):
    access_token: str
    token_type: Literal["bearer"] = "bearer"
    expires_at: datetime
    username: str
    role: str


class UserIn(Body):
    username: str = Field(min_length=1, max_length=80)
    role: Literal["patient", "clinician", "admin"]
    password: str = Field(min_length=12, max_length=200)


class PatientRecordIn(Body):
    display_name: str = Field(min_length=1, max_length=120)
    user_id: int | None = Field(default=None, ge=1, le=MAX_RECORD_ID)
    timezone: str = Field(default="UTC", max_length=64, description="IANA time zone")

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{v!r} is not an IANA time zone such as Europe/Berlin") from None
        return v


class RegimenIn(Body):
    sig: str = Field(min_length=1, max_length=300)
    start: ClinicalDate


class EntriesIn(Body):
    entries: list[dict[str, Any]] = Field(min_length=1, max_length=5000)
