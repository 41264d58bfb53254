"""Calendar (round trip through the icalendar parser), printable HTML and PDF, FHIR CarePlan."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from fhir.resources.R4B.careplan import CarePlan
from icalendar import Calendar

from myorelax import load_knowledge, parse_sig, patient_from_data
from myorelax.fhir.careplan import care_plan_resource
from myorelax.plans.calendar import plan_calendar, pump_calendar
from myorelax.plans.pump import plan_pump
from myorelax.plans.taper import plan_taper
from myorelax.plans.titration import plan_titration
from myorelax.reports.printable import html_to_pdf, plan_html

KB = load_knowledge()
STAMP = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)


def _taper():  # type: ignore[no-untyped-def]
    return plan_taper(
        parse_sig("baclofen 20 mg tid"),
        patient_from_data({"age_years": 60, "crcl_ml_min": 80}),
        kb=KB,
        start=date(2026, 12, 1),
    )


def _occurrences(event) -> list[datetime]:  # type: ignore[no-untyped-def]
    start = event.decoded("dtstart")
    rule = event.get("rrule")
    count = int(rule["COUNT"][0]) if rule else 1
    return [start + timedelta(days=k) for k in range(count)]


def test_ics_round_trip_has_every_dose_with_a_reminder() -> None:
    plan = _taper()
    data = plan_calendar(plan, stamp=STAMP, reminder_minutes=15)
    cal = Calendar.from_ical(data)
    assert cal["version"] == "2.0"
    timed = [e for e in cal.walk("VEVENT") if isinstance(e.decoded("dtstart"), datetime)]
    got = sorted(dt for e in timed for dt in _occurrences(e))
    want = sorted(
        datetime.combine(day.date, datetime.strptime(d.time, "%H:%M").time())
        for day in plan.days
        for d in day.doses
    )
    assert got == want
    for e in timed:
        alarms = [c for c in e.subcomponents if c.name == "VALARM"]
        assert len(alarms) == 1
        assert alarms[0].decoded("trigger") == timedelta(minutes=-15)
    stop = [e for e in cal.walk("VEVENT") if not isinstance(e.decoded("dtstart"), datetime)]
    assert [e.decoded("dtstart") for e in stop] == [plan.stop_date]
    uids = [str(e["uid"]) for e in cal.walk("VEVENT")]
    assert len(uids) == len(set(uids))
    assert data == plan_calendar(plan, stamp=STAMP, reminder_minutes=15)  # deterministic


def test_ics_day_mode_and_time_zone() -> None:
    plan = _taper()
    cal = Calendar.from_ical(plan_calendar(plan, mode="day", stamp=STAMP))
    days = [e.decoded("dtstart") for e in cal.walk("VEVENT")]
    assert days == [d.date for d in plan.days]
    zoned = Calendar.from_ical(plan_calendar(plan, tz="America/New_York", stamp=STAMP))
    assert zoned.walk("VTIMEZONE")
    first = next(iter(zoned.walk("VEVENT"))).decoded("dtstart")
    assert first.tzinfo is not None


def test_pump_ics_round_trip() -> None:
    p = plan_pump(
        kb=KB,
        reservoir_ml=20,
        concentration_mcg_ml=2000,
        dose_mcg_day=400,
        last_refill=date(2026, 11, 1),
    )
    cal = Calendar.from_ical(pump_calendar(p, stamp=STAMP))
    dates = sorted(e.decoded("dtstart") for e in cal.walk("VEVENT"))
    assert date(2027, 1, 29) in dates
    assert date(2027, 1, 30) in dates
    assert len(dates) == len(p.events)


def test_printable_html_has_schedule_signs_and_sources() -> None:
    plan = _taper()
    html = plan_html(plan)
    assert "<table>" in html
    assert "how to stop (taper)" in html
    for step in plan.steps:
        assert f"{step.daily_total_mg:g} mg" in html
    assert "hallucinations" in html
    assert "PMS-BACLOFEN" in html
    assert "<script" not in html and "http://" not in html.split("Where this comes from")[0]


def test_printable_pdf() -> None:
    pdf = html_to_pdf(plan_html(_taper()))
    assert pdf.startswith(b"%PDF-")
    assert len(pdf) > 5_000


def test_fhir_careplan_is_valid_r4_with_goals_and_steps() -> None:
    plan = plan_titration(
        KB.drugs["tizanidine"],
        # Multiple sclerosis: the goals of the spasticity care plan written for it apply.
        patient_from_data(
            {"age_years": 50, "crcl_ml_min": 90, "conditions": ["multiple_sclerosis"]}
        ),
        kb=KB,
        start=date(2026, 12, 1),
        target=parse_sig("tizanidine 4 mg tid"),
    )
    resource = care_plan_resource(plan, KB, patient_reference="Patient/example")
    model = CarePlan.model_validate(resource)
    assert model.subject.reference == "Patient/example"
    meds = [a for a in resource["activity"] if a["detail"]["kind"] == "MedicationRequest"]
    assert len(meds) == len(plan.steps)
    assert meds[0]["detail"]["productCodeableConcept"]["coding"][0]["code"] == "57258"
    assert resource["goal"] and all(g["reference"].startswith("#") for g in resource["goal"])
    # Goals, and the plan's alerts as DetectedIssues (the hepatotoxicity alert of tizanidine).
    assert {c["resourceType"] for c in resource["contained"]} == {"Goal", "DetectedIssue"}
    kinds = {a["detail"]["kind"] for a in resource["activity"]}
    assert kinds == {"MedicationRequest", "ServiceRequest"}
