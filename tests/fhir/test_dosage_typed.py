"""A FHIR Dosage read into orders from its typed parts (issue 19, item 3): no dose text is written
and parsed back. The orders are the ones the SIG text rendered from the same parts reads as;
whatever the Dosage says that is not read is said in a note."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from myorelax.clinical import sig
from myorelax.clinical.regimen import Order
from myorelax.clinical.sig import parse_frequency, parse_medication
from myorelax.fhir import dosage as dosage_reader
from myorelax.fhir.index import ResourceIndex
from myorelax.fhir.medications import MedicationRead, read_medication
from myorelax.knowledge.terminology import default_terminology
from tests.fhir.helpers import med_request

START = date(2022, 1, 10)  # the authoredOn of helpers.med_request
LABEL = "MedicationRequest mr1"


def read(display: str, dosage: dict[str, Any] | None, **extra: Any) -> MedicationRead:
    request = med_request(display, dosage=dosage, **extra)
    return read_medication(request, ResourceIndex([request], default_terminology()))


def one(display: str, dosage: dict[str, Any] | None, **extra: Any) -> tuple[Order, list[str]]:
    got = read(display, dosage, **extra)
    (order,) = got.orders
    return order, got.notes


def repeat(**fields: Any) -> dict[str, Any]:
    return {"timing": {"repeat": fields}}


def mg(value: float) -> list[dict[str, Any]]:
    return [{"doseQuantity": {"value": value, "unit": "mg"}}]


# -- (1) no SIG round trip ---------------------------------------------------------------------


def test_a_structured_dosage_is_read_without_parsing_any_dose_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def refuse(*_args: Any, **_kwargs: Any) -> Any:
        raise AssertionError("dose text was parsed")

    monkeypatch.setattr(dosage_reader, "parse_medication", refuse)
    monkeypatch.setattr(sig, "parse_medication", refuse)
    monkeypatch.setattr(sig, "parse_sig", refuse)
    monkeypatch.setattr(sig._Parser, "parse", refuse)
    dosage = {
        "timing": {
            "repeat": {
                "frequency": 1,
                "period": 8,
                "periodUnit": "h",
                "boundsDuration": {"value": 2, "unit": "weeks", "code": "wk"},
            }
        },
        "doseAndRate": [{"doseQuantity": {"value": 2, "unit": "tablet", "code": "{tbl}"}}],
        "route": {"coding": [{"display": "Oral route"}]},
        "asNeededBoolean": True,
        "text": "this text is not read: the structured dosage is",
    }
    order, notes = one("Baclofen 10 MG Oral Tablet", dosage)
    assert order.text == "2 tab baclofen 10 mg po q8h prn for 2 weeks"
    assert (order.drug, order.dose_mg, order.tablets, order.route) == ("baclofen", 20, 2, "oral")
    assert order.frequency is not None
    assert (order.frequency.code, order.frequency.times) == ("q8h", ("08:00", "16:00", "00:00"))
    assert (order.prn, order.duration_days, order.start) == (True, 14, START)
    assert notes == []
    # A combination product: one order per ingredient, each with its strength.
    got = read(
        "Carisoprodol 200 MG / Aspirin 325 MG Oral Tablet",
        {
            "timing": {"code": {"coding": [{"code": "QID"}]}},
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "tablet"}}],
        },
    )
    assert [(o.drug, o.dose_mg, o.doses_per_day) for o in got.orders] == [
        ("carisoprodol", 200, 4),
        ("aspirin", 325, 4),
    ]
    assert all(o.components == ("carisoprodol", "aspirin") for o in got.orders)
    # A timing code's text is typed by a person: read as a frequency (not as dose text).
    order, notes = one("baclofen", {"timing": {"code": {"text": "every 6 hours"}}})
    assert order.frequency is not None and order.frequency.code == "q6h"


# -- (2) the typed order is the order its SIG text reads as ------------------------------------

# (display, name in the SIG text, kind, strength: mg a tablet or mg/mL): one-ingredient tablets,
# a suspension, a combination, an ingredient with no strength.
PRODUCTS = [
    ("Baclofen 10 MG Oral Tablet", "baclofen", "tablet", 10.0),
    ("Tizanidine 4 MG Oral Tablet", "tizanidine", "tablet", 4.0),
    ("Methocarbamol 750 MG Oral Tablet", "methocarbamol", "tablet", 750.0),
    ("Baclofen 1 MG/ML Oral Suspension", "baclofen", "liquid", 1.0),
    (
        "Carisoprodol 200 MG / Aspirin 325 MG Oral Tablet",
        "Carisoprodol 200 MG / Aspirin 325 MG Oral Tablet",
        "combination",
        None,
    ),
    ("cyclobenzaprine", "cyclobenzaprine", "ingredient", None),
]
CODES = {
    "BID": "bid", "TID": "tid", "QID": "qid", "QD": "qd", "AM": "qam", "PM": "qpm", "HS": "qhs",
    "BED": "qhs", "QOD": "q48h", "WK": "q168h", "Q4H": "q4h", "Q6H": "q6h", "Q8H": "q8h",
    "Q12H": "q12h", "Q24H": "q24h",
}  # fmt: skip
CODE_TEXTS = ["twice daily", "every 6 hours", "three times a day", "at bedtime", "q8h", "TID"]
WHEN_DAILY = {"HS": "qhs", "EVE": "qpm", "NIGHT": "qpm", "MORN": "qam", "WAKE": "qam"}
WHEN_CLOCK = {"MORN": "08:00", "WAKE": "08:00", "NOON": "12:00", "EVE": "20:00", "HS": "22:00"}
PERIOD_HOURS = {"min": 1 / 60, "h": 1.0, "d": 24.0, "wk": 168.0}
ROUTES = {"Oral route": "po", "Intravenous route": "iv", "Intramuscular route": "im",
          "Rectal route": "pr", "Intrathecal route": "intrathecal"}  # fmt: skip
ROUTE_NAMES = {"po": "oral", "iv": "intravenous", "im": "intramuscular", "pr": "rectal",
               "intrathecal": "intrathecal"}  # fmt: skip


def _fmt(value: float) -> str:
    return f"{round(value, 2):g}"


def render_frequency(timing: dict[str, Any]) -> str | None:
    """The SIG words for a Timing (the importer's former renderer, with the `when` of a
    once-daily dose)."""
    code = timing.get("code", {})
    if code.get("coding"):
        return CODES[code["coding"][0]["code"]]
    if code.get("text"):
        return str(code["text"])
    rep = timing.get("repeat", {})
    when = rep.get("when", [])
    per = rep.get("frequencyMax") or rep.get("frequency") or 1
    period, unit = rep.get("period"), rep.get("periodUnit")
    if period:
        interval = period * PERIOD_HOURS[unit] / per
        per_day = 24 / interval
        if per_day == 1 and len(when) == 1:
            return WHEN_DAILY[when[0]]
        if unit in ("d", "wk") and abs(per_day - round(per_day)) < 1e-6 and 1 <= per_day <= 24:
            return {1: "daily", 2: "bid", 3: "tid", 4: "qid"}.get(
                round(per_day), f"{round(per_day)} times a day"
            )
        return f"q{_fmt(interval)}h" if 1 <= interval <= 168 else None
    if len(when) == 1:
        return WHEN_DAILY[when[0]]
    return None


def render_sig(
    product: tuple[str, str, str, float | None],
    dosage: dict[str, Any],
    *,
    route_and_duration: bool = True,
    placeholder: bool = False,
    frequency: str | None = None,
) -> str:
    """The SIG text of a Dosage: [N tab] NAME [STRENGTH] [ROUTE] FREQUENCY [prn] [for N unit].
    With `placeholder`, a Dosage with no dose is written with one (1 mg, or 1 tab of a
    combination)."""
    _display, name, kind, strength = product
    prefix = shown = ""
    quantity = (dosage.get("doseAndRate") or [{}])[0].get("doseQuantity")
    if quantity is None and placeholder:
        quantity = {"value": 1, "unit": "tablet" if kind == "combination" else "mg"}
    if quantity:
        value, unit = quantity["value"], quantity.get("unit")
        if unit == "mg":
            shown = f"{_fmt(value)} mg"
        elif unit == "mL":
            assert kind == "liquid" and strength is not None
            shown = f"{_fmt(value * strength)} mg"
        else:
            prefix = f"{_fmt(value)} tab "
            shown = f"{_fmt(strength)} mg" if kind == "tablet" and strength else ""
    words = [f"{prefix}{name}", shown]
    route = dosage.get("route", {}).get("coding", [{}])[0].get("display")
    words.append(ROUTES.get(route, "") if route_and_duration else "")
    frequency = frequency or render_frequency(dosage["timing"])
    assert frequency is not None
    words.append(frequency)
    words.append("prn" if dosage.get("asNeededBoolean") else "")
    bounds = dosage["timing"].get("repeat", {}).get("boundsDuration")
    if bounds and route_and_duration:
        words.append(f"for {_fmt(bounds['value'])} {'days' if bounds['code'] == 'd' else 'weeks'}")
    return " ".join(w for w in words if w)


@st.composite
def timings(draw: st.DrawFn) -> dict[str, Any]:
    how = draw(st.sampled_from(["code", "text", "repeat", "when"]))
    timing: dict[str, Any]
    if how == "code":
        timing = {"code": {"coding": [{"code": draw(st.sampled_from(sorted(CODES)))}]}}
    elif how == "text":
        timing = {"code": {"text": draw(st.sampled_from(CODE_TEXTS))}}
    elif how == "when":
        timing = {"repeat": {"when": [draw(st.sampled_from(sorted(WHEN_DAILY)))]}}
    else:
        unit = draw(st.sampled_from(sorted(PERIOD_HOURS)))
        period = draw(
            st.sampled_from(
                {
                    "min": [30, 60, 90, 120],
                    "h": [1, 2, 4, 6, 8, 12, 24],
                    "d": [1, 2, 3, 7],
                    "wk": [1, 2],
                }[unit]
            )
        )
        rep: dict[str, Any] = {"period": period, "periodUnit": unit}
        rep["frequency"] = draw(st.sampled_from([1, 2, 3, 4, 5, 6, 8, 12, 24]))
        if draw(st.booleans()):
            rep["when"] = [draw(st.sampled_from(sorted(WHEN_DAILY)))]
        interval = period * PERIOD_HOURS[unit] / rep["frequency"]
        per_day = 24 / interval
        whole = unit in ("d", "wk") and abs(per_day - round(per_day)) < 1e-6
        # Intervals the SIG text can write exactly (2 decimals), in the range a Frequency takes.
        assume(
            whole or (1 <= interval <= 168 and abs(interval * 100 - round(interval * 100)) < 1e-6)
        )
        assume(not whole or 1 <= per_day <= 24)
        timing = {"repeat": rep}
    return timing


@st.composite
def dosages(draw: st.DrawFn) -> tuple[tuple[str, str, str, float | None], dict[str, Any]]:
    product = draw(st.sampled_from(PRODUCTS))
    kind = product[2]
    dosage: dict[str, Any] = {"timing": draw(timings())}
    doses: list[str] = ["none"]
    doses += {"tablet": ["mg", "count"], "liquid": ["mg", "mL"], "combination": ["count"],
              "ingredient": ["mg"]}[kind]  # fmt: skip
    dose = draw(st.sampled_from(doses))
    if dose == "mg":
        value = draw(st.sampled_from([0.5, 2, 2.5, 5, 10, 12.5, 20, 350, 750, 1500]))
        dosage["doseAndRate"] = mg(value)
    elif dose == "mL":
        value = draw(st.sampled_from([2.5, 5, 7.5, 10, 20]))
        dosage["doseAndRate"] = [{"doseQuantity": {"value": value, "unit": "mL", "code": "mL"}}]
    elif dose == "count":
        value = draw(st.sampled_from([0.5, 1, 1.5, 2, 3]))
        unit = draw(st.sampled_from(["tablet", "{tbl}", "capsule"]))
        dosage["doseAndRate"] = [{"doseQuantity": {"value": value, "unit": unit, "code": unit}}]
    route = draw(st.sampled_from([None, *ROUTES]))
    if route:
        dosage["route"] = {"coding": [{"system": "http://snomed.info/sct", "display": route}]}
    if draw(st.booleans()):
        dosage["asNeededBoolean"] = True
    if draw(st.booleans()):
        n, code = draw(st.integers(1, 60)), draw(st.sampled_from(["d", "wk"]))
        dosage["timing"].setdefault("repeat", {})["boundsDuration"] = {
            "value": n,
            "unit": "days" if code == "d" else "weeks",
            "code": code,
        }
    return product, dosage


CLINICAL = (
    "drug", "drug_name", "rxcui", "has_monograph", "product", "product_rxcui", "components",
    "dose", "tablets", "route", "frequency", "prn", "duration_days", "start",
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(dosages())
def test_the_typed_orders_are_what_their_sig_text_reads_as(
    case: tuple[tuple[str, str, str, float | None], dict[str, Any]],
) -> None:
    product, dosage = case
    got = read(product[0], dosage)
    text = render_sig(product, dosage)
    # 'baclofen 5 times a day' reads 5 as the strength: with no dose, the SIG text cannot say
    # 'N times a day' (the importer's round trip made such an order drug-only). The text is
    # written with a placeholder dose, which is dropped below as every missing dose is.
    frequency = render_frequency(dosage["timing"]) or ""
    unsaid = not dosage.get("doseAndRate") and frequency[:1].isdigit()
    if unsaid:
        text = render_sig(product, dosage, placeholder=True)
    if product[2] != "combination":
        expected = list(parse_medication(text, start=START).orders)
    else:
        # After an RxNorm product name the SIG reader takes '10 days' and '5 times a day' for
        # strengths and 'intrathecal' for part of the name: the importer's round trip made such
        # a combination order drug-only, or lost its route. The rest is read from the text
        # (written 'daily'); the frequency is what the SIG reader reads its words as, and the
        # route and duration are the record's.
        short = render_sig(
            product, dosage, route_and_duration=False, placeholder=unsaid, frequency="daily"
        )
        route = dosage.get("route", {}).get("coding", [{}])[0].get("display")
        bounds = dosage["timing"].get("repeat", {}).get("boundsDuration")
        days = bounds and bounds["value"] * (1 if bounds["code"] == "d" else 7)
        parts = {
            "route": ROUTE_NAMES.get(ROUTES.get(route, "")),
            "duration_days": days,
            "frequency": parse_frequency(frequency),
        }
        expected = [o.model_copy(update=parts) for o in parse_medication(short, start=START).orders]
    when = dosage["timing"].get("repeat", {}).get("when", [])
    clocks = sorted(WHEN_CLOCK.get(w.split(".")[0], "?") for w in when)
    if when and "?" not in clocks:
        # One named time of day a dose: the doses at those times (the SIG text cannot say it).
        expected = [
            o.model_copy(
                update={"frequency": o.frequency.model_copy(update={"times": tuple(clocks)})}
            )
            if o.frequency is not None and len(o.frequency.times) == len(set(clocks)) == len(clocks)
            else o
            for o in expected
        ]
    if not dosage.get("doseAndRate"):
        # No dose in the record: none is assumed, not even the product's.
        expected = [o.model_copy(update={"dose": None, "tablets": None}) for o in expected]
    assert len(got.orders) == len(expected)
    for typed, parsed in zip(got.orders, expected, strict=True):
        for name in CLINICAL:
            assert getattr(typed, name) == getattr(parsed, name), (name, text)
        if "text" not in dosage["timing"].get("code", {}) and not unsaid:
            assert typed.text == text  # displayed as the SIG it reads as
    assert not any("checked as drug only" in n for n in got.notes)


# -- (3) the cases the SIG text could not say, and their notes ---------------------------------


def _codes(*codes: str, text: str | None = None) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"code": c} for c in codes]}
    if text:
        concept["text"] = text
    return {"timing": {"code": concept}, "doseAndRate": mg(10)}


@pytest.mark.parametrize(
    ("dosage", "text", "code", "per_day", "times"),
    [
        (_codes("Q4H"), "baclofen 10 mg q4h", "q4h", 6,
         ("08:00", "12:00", "16:00", "20:00", "00:00", "04:00")),
        (_codes("QOD"), "baclofen 10 mg q48h", "q48h", 0.5, ("08:00",)),
        (_codes("AM"), "baclofen 10 mg qam", "qd", 1, ("08:00",)),
        (_codes("PM"), "baclofen 10 mg qpm", "qpm", 1, ("20:00",)),
        (_codes("bid"), "baclofen 10 mg bid", "bid", 2, ("08:00", "20:00")),
        (_codes("Q6H"), "baclofen 10 mg q6h", "q6h", 4, ("08:00", "14:00", "20:00", "02:00")),
        (_codes("WK"), "baclofen 10 mg q168h", "q168h", 24 / 168, ("08:00",)),
        (
            {"timing": {"repeat": {"when": ["EVE"]}}, "doseAndRate": mg(10)},
            "baclofen 10 mg qpm", "qpm", 1, ("20:00",),
        ),
        (
            {"timing": {"repeat": {"timeOfDay": ["09:00:00", "21:00:00"]}}, "doseAndRate": mg(10)},
            "baclofen 10 mg bid", "bid", 2, ("09:00", "21:00"),
        ),
        (
            repeat(frequency=2, period=1, periodUnit="d", timeOfDay=["21:00", "07:30:00"])
            | {"doseAndRate": mg(10)},
            "baclofen 10 mg bid", "bid", 2, ("07:30", "21:00"),
        ),
    ],
)  # fmt: skip
def test_timing_codes_and_times_the_sig_path_did_not_read(
    dosage: dict[str, Any], text: str, code: str, per_day: float, times: tuple[str, ...]
) -> None:
    order, notes = one("baclofen", dosage)
    assert order.text == text
    assert order.frequency is not None
    assert (order.frequency.code, order.frequency.times) == (code, times)
    assert order.doses_per_day == pytest.approx(per_day)
    assert notes == []


def test_a_timing_code_in_text_is_read_and_said() -> None:
    order, notes = one("baclofen", {"timing": {"code": {"text": "Q4H PRN"}}, "doseAndRate": mg(5)})
    assert (order.text, order.prn, order.doses_per_day) == ("baclofen 5 mg q4h prn", True, 6)
    assert notes == [f"{LABEL}: timing read from its text 'Q4H PRN'"]
    order, notes = one("baclofen", {"timing": {"code": {"text": "twice a day"}}})
    assert order.frequency is not None and order.frequency.code == "bid"
    assert f"{LABEL}: timing read from its text 'twice a day'" in notes
    # A coding's display, when its code is not one.
    snomed = {"coding": [{"code": "229798009", "display": "Three times daily"}]}
    order, notes = one("baclofen", {"timing": {"code": snomed}, "doseAndRate": mg(5)})
    assert order.frequency is not None and order.frequency.code == "tid"
    assert notes == [f"{LABEL}: timing read from its text 'Three times daily'"]


@pytest.mark.parametrize(
    ("dosage", "note"),
    [
        (
            _codes("MO"),
            "timing code MO (monthly) cannot be checked here: intervals of 1 to 168 hours are "
            "supported",
        ),
        (
            repeat(frequency=1, period=12, periodUnit="d"),
            "1 dose(s) every 12 d (every 288 hours) cannot be checked here: intervals of 1 to 168 "
            "hours are supported",
        ),
        (
            repeat(frequency=48, period=1, periodUnit="d"),
            "48 dose(s) every 1 d (every 0.5 hours) cannot be checked here: intervals of 1 to 168 "
            "hours are supported",
        ),
        (
            repeat(frequency=1, period=1, periodUnit="mo"),
            "1 dose(s) every 1 mo (every 730 hours) cannot be checked here: intervals of 1 to "
            "168 hours are supported",
        ),
        ({"timing": {"code": {"text": "with meals"}}}, "timing code 'with meals' not understood"),
    ],
)
def test_what_a_frequency_cannot_say_is_said(dosage: dict[str, Any], note: str) -> None:
    order, notes = one("baclofen", {"doseAndRate": mg(10), **dosage})
    assert order.frequency is None and order.dose is None
    assert notes[0] == f"{LABEL}: {note}"
    assert notes[-1].endswith("no frequency; checked as drug only")


@pytest.mark.parametrize(
    ("dosage", "text", "note"),
    [
        (
            repeat(frequency=1, frequencyMax=2, period=1, periodUnit="d"),
            "baclofen 10 mg bid",
            "1 to 2 doses a period (frequencyMax); the upper value, 2, was checked",
        ),
        (
            repeat(frequency=1, period=4, periodMax=6, periodUnit="h"),
            "baclofen 10 mg q4h",
            "a period of 4 to 6 h (periodMax); the shorter, 4, was checked",
        ),
        (
            repeat(frequency=1, period=1, periodUnit="d", dayOfWeek=["mon", "thu"]),
            "baclofen 10 mg daily",
            "only on mon, thu (dayOfWeek); checked as if taken every day",
        ),
        (
            repeat(frequency=2, period=1, periodUnit="d", timeOfDay=["08:00", "14:00", "20:00"]),
            "baclofen 10 mg bid",
            "3 time(s) of day (08:00, 14:00, 20:00) for bid (2 dose time(s)); the usual clock "
            "times were used",
        ),
        (
            repeat(frequency=2, period=1, periodUnit="d", when=["MORN", "NOON", "EVE"]),
            "baclofen 10 mg bid",
            "timing when MORN, NOON, EVE not read; the usual clock times of bid (08:00, 20:00) "
            "were used",
        ),
        (
            repeat(frequency=3, period=1, periodUnit="d", count=10, offset=30),
            "baclofen 10 mg tid",
            "timing count, offset not read",
        ),
        (
            repeat(
                frequency=1,
                period=1,
                periodUnit="d",
                boundsPeriod={"start": "2022-01-10", "end": "2022-02-10"},
            ),
            "baclofen 10 mg daily",
            "timing boundsPeriod not read",
        ),
        (
            {
                "timing": {
                    "code": {"coding": [{"code": "BID"}]},
                    "repeat": {"frequency": 3, "period": 1, "periodUnit": "d"},
                }
            },
            "baclofen 10 mg bid",
            "timing code bid and repeat tid differ; the code (bid) was read",
        ),
        (
            repeat(frequency=3, period=1, periodUnit="d")
            | {
                "maxDosePerPeriod": {
                    "numerator": {"value": 40, "unit": "mg"},
                    "denominator": {"value": 1, "unit": "d"},
                }
            },
            "baclofen 10 mg tid",
            "a maximum of 40 mg per 1 d (maxDosePerPeriod): at most 4 doses a day",
        ),
        (
            repeat(frequency=3, period=1, periodUnit="d")
            | {
                "maxDosePerPeriod": {
                    "numerator": {"value": 40, "unit": "mg"},
                    "denominator": {"value": 1, "unit": "wk"},
                }
            },
            "baclofen 10 mg tid",
            "a maximum of 40 mg per 1 wk (maxDosePerPeriod) not read; the most the frequency "
            "allows was checked",
        ),
        (
            repeat(frequency=3, period=1, periodUnit="d") | {"route": {"text": "Topical"}},
            "baclofen 10 mg tid",
            "route 'Topical' not read",
        ),
        (
            repeat(frequency=3, period=1, periodUnit="d")
            | {"site": {"text": "left arm"}, "maxDosePerLifetime": {"value": 1}},
            "baclofen 10 mg tid",
            "dosage maxDosePerLifetime, site not read",
        ),
        (
            repeat(
                frequency=3,
                period=1,
                periodUnit="d",
                boundsDuration={"value": 12, "unit": "hours", "code": "h"},
            ),
            "baclofen 10 mg tid",
            "duration 12 h (boundsDuration) not read",
        ),
        (
            repeat(
                frequency=3,
                period=1,
                periodUnit="d",
                boundsDuration={"value": 2, "unit": "months", "code": "mo"},
            ),
            "baclofen 10 mg tid for 2 months",
            "duration 2 months read as 60 days",
        ),
    ],
)
def test_what_is_not_read_is_said(dosage: dict[str, Any], text: str, note: str) -> None:
    dosage = {"doseAndRate": mg(10), **dosage}
    order, notes = one("baclofen", dosage)
    assert order.text == text
    assert f"{LABEL}: {note}" in notes
    assert not any("checked as drug only" in n for n in notes)


def test_frequency_max_is_the_conservative_upper_value() -> None:
    order, _ = one("baclofen", repeat(frequency=2, frequencyMax=4, period=1, periodUnit="d"))
    assert order.doses_per_day == 4


def test_time_of_day_sets_the_clock_times() -> None:
    order, notes = one(
        "baclofen",
        repeat(frequency=3, period=1, periodUnit="d", timeOfDay=["07:00", "13:00", "19:00"]),
    )
    assert order.frequency is not None and order.frequency.times == ("07:00", "13:00", "19:00")
    assert notes == [f"{LABEL}: no dose in the dosage; checked without a dose"]


def _two_dosages(first: dict[str, Any], second: dict[str, Any]) -> MedicationRead:
    request = med_request("baclofen", dosage=first)
    request["dosageInstruction"].append(second)
    return read_medication(request, ResourceIndex([request], default_terminology()))


def _at(mg_: float, when: str, sequence: int | None) -> dict[str, Any]:
    d: dict[str, Any] = {
        "doseAndRate": mg(mg_),
        **repeat(frequency=1, period=1, periodUnit="d", when=[when]),
    }
    if sequence is not None:
        d["sequence"] = sequence
    return d


@pytest.mark.parametrize("sequence", [1, None])
def test_dosages_of_one_sequence_are_a_split_dose_read_line_by_line(sequence: int | None) -> None:
    """FHIR R4 Dosage.sequence: dosages of one number are taken together (10 mg in the morning
    and 20 mg at bedtime). Only the first was read: the day's total was 10 mg, not 30. With no
    number on any, they are read as taken together too (summed: the conservative reading)."""
    got = _two_dosages(_at(10, "MORN", sequence), _at(20, "HS", sequence))
    assert [(o.dose_mg, o.frequency.code if o.frequency else None) for o in got.orders] == [
        (10, "qd"),
        (20, "qhs"),
    ]
    assert f"{LABEL}: 2 dosage instructions taken together; each read as a line" in got.notes
    assert not got.not_checked


def test_later_steps_of_a_sequence_are_said_not_checked() -> None:
    """Dosages of different numbers follow one another (a titration): the first step is the
    order now; the later steps' doses were not checked, and that is said, never a note only."""
    got = _two_dosages(_at(20, "HS", 2), _at(10, "MORN", 1))
    (order,) = got.orders
    assert order.dose_mg == 10
    (item,) = got.not_checked
    assert item.reason == "later_dosage_steps" and "sequence 2" in item.detail


def test_route_by_snomed_code_and_r5_as_needed() -> None:
    dosage = repeat(frequency=3, period=1, periodUnit="d") | {
        "route": {"coding": [{"system": "http://snomed.info/sct", "code": "26643006"}]},
        "asNeeded": True,
        "doseAndRate": mg(10),
    }
    order, notes = one("baclofen", dosage)
    assert (order.text, order.route, order.prn) == ("baclofen 10 mg po tid prn", "oral", True)
    assert notes == []


def test_an_stu3_dose_on_the_dosage_itself_is_read() -> None:
    dosage = repeat(frequency=1, period=1, periodUnit="d") | {
        "doseQuantity": {"value": 1, "unit": "{tablet}", "code": "{tablet}"}
    }
    order, notes = one("Tizanidine 4 MG Oral Tablet", dosage)
    assert (order.text, order.dose_mg, order.tablets) == ("1 tab tizanidine 4 mg daily", 4, 1)
    assert notes == []


def test_more_tablets_than_an_order_takes_are_checked_without_a_dose() -> None:
    dosage = repeat(frequency=1, period=1, periodUnit="d") | {
        "doseAndRate": [{"doseQuantity": {"value": 30, "unit": "tablet"}}]
    }
    order, notes = one("Tizanidine 4 MG Oral Tablet", dosage)
    assert (order.dose, order.tablets, order.doses_per_day) == (None, None, 1)
    assert notes == [f"{LABEL}: dose 30 tablet is more than 20 tablets; checked without a dose"]


def test_epic_style_dose_and_rate_entries_and_rates_are_said() -> None:
    dosage = repeat(frequency=1, period=4, periodUnit="h") | {
        "doseAndRate": [
            {"type": {"text": "calculated"}, "doseQuantity": {"value": 10, "unit": "mg"}},
            {"type": {"text": "admin-amount"}, "doseQuantity": {"value": 1, "unit": "tablet"}},
        ]
    }
    order, notes = one("Baclofen 10 MG Oral Tablet", dosage)
    assert (order.text, order.dose_mg) == ("baclofen 10 mg q4h", 10)
    assert notes == [f"{LABEL}: 2 doses (doseAndRate); the first (calculated) was read"]
    dosage["doseAndRate"] = [{"doseQuantity": {"value": 10, "unit": "mg"},
                              "rateQuantity": {"value": 1, "unit": "mg/h"}}]  # fmt: skip
    _order, notes = one("Baclofen 10 MG Oral Tablet", dosage)
    assert notes == [f"{LABEL}: dose rate (rateQuantity) not read"]


def test_free_text_is_parsed_only_without_a_structured_timing() -> None:
    order, notes = one("baclofen", {"text": "10 mg tid"})
    assert order.text == "baclofen 10 mg tid"
    assert f"{LABEL}: dose read from its text '10 mg tid'" in notes
    # The dose a person wrote stands: the read order keeps it (no "checked without a dose").
    got = read("baclofen 10 MG Oral Tablet", {"text": "10 mg tid"})
    assert [(o.drug, o.dose_mg, o.doses_per_day) for o in got.orders] == [("baclofen", 10, 3)]
    assert not any(n.endswith("checked without a dose") for n in got.notes), got.notes
    # With a timing, the text is not read (even when it says something else).
    order, _notes = one("baclofen", repeat(frequency=2, period=1, periodUnit="d") | {"text": "tid"})
    assert order.doses_per_day == 2


# -- orders the SIG round trip lost --------------------------------------------------------------


def test_combination_orders_keep_their_duration_route_and_frequency() -> None:
    """After an RxNorm product name the SIG reader took '10 days' and '5 times a day' for
    strengths and 'intrathecal' for part of the name: such orders were drug-only, or lost
    their route. Built from their parts, they are whole."""
    product = "Carisoprodol 200 MG / Aspirin 325 MG Oral Tablet"
    tablet = [{"doseQuantity": {"value": 1, "unit": "tablet"}}]
    bounded = repeat(
        frequency=3, period=1, periodUnit="d", boundsDuration={"value": 10, "code": "d"}
    )
    got = read(product, bounded | {"doseAndRate": tablet})
    assert [(o.drug, o.dose_mg, o.doses_per_day, o.duration_days) for o in got.orders] == [
        ("carisoprodol", 200, 3, 10),
        ("aspirin", 325, 3, 10),
    ]
    assert all(o.product == product for o in got.orders)
    assert got.notes == []
    five = repeat(frequency=5, period=1, periodUnit="d") | {"doseAndRate": tablet}
    five["route"] = {"coding": [{"display": "Intrathecal route"}]}
    got = read(product, five)
    assert {(o.route, o.doses_per_day, o.product) for o in got.orders} == {
        ("intrathecal", 5, product)
    }
    # And a one-ingredient order with no dose at 5 a day ('baclofen 5 times a day' read 5 as
    # the strength).
    order, notes = one("baclofen", repeat(frequency=5, period=1, periodUnit="d"))
    assert order.frequency is not None and order.frequency.code == "5x/day"
    assert notes == [f"{LABEL}: no dose in the dosage; checked without a dose"]


@pytest.mark.parametrize(
    ("built", "words"),
    [
        (lambda: sig.named_frequency("qd"), "daily"),
        (lambda: sig.named_frequency("bid"), "twice a day"),
        (lambda: sig.named_frequency("tid"), "tid"),
        (lambda: sig.named_frequency("qid"), "four times a day"),
        (lambda: sig.named_frequency("qpm"), "qpm"),
        (lambda: sig.named_frequency("qhs"), "at bedtime"),
        (lambda: sig.every_hours_frequency(8), "every 8 hours"),
        (lambda: sig.every_hours_frequency(1.5), "q1.5h"),
        (lambda: sig.every_hours_frequency(48), "q48h"),
        (lambda: sig.times_a_day_frequency(6), "6 times a day"),
        (lambda: sig.times_a_day_frequency(1), "once daily"),
        (lambda: sig.once_frequency(), "once"),
    ],
)
def test_frequencies_built_from_parts_are_the_ones_their_words_read_as(
    built: Any, words: str
) -> None:
    assert built() == parse_frequency(words)


def test_a_dose_not_read_is_a_not_checked_item_not_only_a_note() -> None:
    """Never silent: a drug with a monograph whose dose could not be read (or had no dosage) is
    listed as not checked for its dose limits, which every interface shows (the CDS not-checked
    card included), not only in the import notes."""
    film = {**repeat(frequency=3, period=1, periodUnit="d"),
            "doseAndRate": [{"doseQuantity": {"value": 1, "unit": "film"}}]}  # fmt: skip
    got = read("baclofen 10 MG Oral Tablet", film)
    assert [(n.kind, n.reason) for n in got.not_checked] == [("dose", "no_dose")]
    assert "dose unit 'film' not read" in got.not_checked[0].detail
    assert got.not_checked[0].detail.endswith("the dose limits of baclofen were not checked")
    none = read("baclofen 10 MG Oral Tablet", None)
    assert [n.reason for n in none.not_checked] == ["no_dose"]
    dosed = read("baclofen 10 MG Oral Tablet", repeat(frequency=3, period=1, periodUnit="d")
                 | {"doseAndRate": mg(10)})  # fmt: skip
    assert dosed.not_checked == []


def test_dose_units_are_read_through_the_unit_registry() -> None:
    """Masses and volumes in any UCUM code or plain spelling the registry reads: 'ug' and
    'microgram' are mcg (kept in mcg), a dose in 'L' is converted before the concentration."""
    daily = repeat(frequency=1, period=1, periodUnit="d")
    for unit in ("ug", "microgram", "mcg"):
        dosage = daily | {"doseAndRate": [{"doseQuantity": {"value": 50, "code": unit}}]}
        order, _ = one("baclofen", dosage)
        assert (order.dose.value, order.dose.unit) == (50, "mcg"), unit  # type: ignore[union-attr]
    weekly = repeat(frequency=1, period=1, periodUnit="wk") | {"doseAndRate": mg(10)}
    order, _ = one("baclofen", weekly)
    assert order.frequency is not None and order.frequency.interval_h == 168


def test_a_patient_instruction_is_read_when_the_dosage_has_no_text() -> None:
    """Dosage.patientInstruction says the dose for the patient; with no text and no timing it
    was passed over and the order checked as the drug only."""
    request = med_request(
        "baclofen 10 MG Oral Tablet", dosage={"patientInstruction": "1 tab three times a day"}
    )
    got = read_medication(request, ResourceIndex([request], default_terminology()))
    (order,) = got.orders
    assert (order.dose_mg, order.doses_per_day) == (10, 3)
    assert not got.not_checked


def test_steps_with_their_durations_are_orders_of_their_dates() -> None:
    """A titration in Dosage.sequence whose steps say how long they last (boundsDuration), from
    the order's authoredOn: each step is an order starting when the one before ends, so the
    safety check judges every step (the later ones were said to be unchecked)."""
    first = _at(5, "MORN", 1)
    first["timing"]["repeat"]["boundsDuration"] = {"value": 3, "unit": "d", "code": "d"}
    request = med_request("baclofen", dosage=first)
    request["authoredOn"] = "2026-12-07"
    request["dosageInstruction"].append(_at(10, "MORN", 2))
    got = read_medication(request, ResourceIndex([request], default_terminology()))
    assert [(o.dose_mg, o.start, o.duration_days) for o in got.orders] == [
        (5, date(2026, 12, 7), 3),
        (10, date(2026, 12, 10), None),
    ]
    assert not got.not_checked
    # Without the first step's length the later one cannot be placed: said, as before.
    del first["timing"]["repeat"]["boundsDuration"]
    got = read_medication(request, ResourceIndex([request], default_terminology()))
    assert [o.dose_mg for o in got.orders] == [5]
    assert got.not_checked[0].reason == "later_dosage_steps"


def test_named_times_of_day_one_a_dose_are_the_dose_times() -> None:
    """EventTiming codes one a dose (MORN and NOON for twice a day) are when the doses are
    given, as timeOfDay clock times are; they were noted as not read (08:00 and 20:00 used)."""
    order, notes = one(
        "baclofen",
        repeat(frequency=2, period=1, periodUnit="d", when=["MORN", "NOON"])
        | {"doseAndRate": mg(10)},
    )
    assert order.frequency is not None and order.frequency.times == ("08:00", "12:00")
    assert notes == []
