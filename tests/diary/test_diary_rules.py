"""The diary's rules without a server: labelled maxima from the knowledge base, no future times,
entries in words, dose times still to come not counted as missed, the report's side-effect axis
over the report period, and the reminder calendar."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import matplotlib.dates as mdates
import pytest
from icalendar import Calendar

from myorelax.diary.analysis import analyse_diary
from myorelax.diary.entries import DiaryEntry, describe_entry, not_in_future
from myorelax.diary.limits import above_max, dose_limits
from myorelax.diary.records import PatientRecord, RegimenPeriod
from myorelax.diary.reminders import reminder_calendar, reminder_items
from myorelax.errors import InputError
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.reports.diary_report import side_effect_figure

TZ = timezone(timedelta(hours=1))


def _dose(at: datetime, mg: float, status: str = "planned") -> DiaryEntry:
    return DiaryEntry(at=at, kind="dose", drug="baclofen", dose_mg=mg, dose_status=status)  # type: ignore[arg-type]


def test_the_maxima_come_from_the_knowledge_base(kb: KnowledgeBase) -> None:
    baclofen = kb.drugs["baclofen"]
    label = next(d for d in baclofen.dosing if d.route == "oral" and d.population == "adult")
    limits = dose_limits("baclofen", kb)
    assert label.max_single is not None and label.max_daily is not None
    assert limits.max_single_mg == label.max_single.upper
    assert limits.max_daily_mg == label.max_daily.upper
    assert dose_limits("no-such-drug", kb).max_single_mg is None


def test_a_dose_above_the_single_or_daily_maximum_is_found(kb: KnowledgeBase) -> None:
    day = datetime(2026, 3, 2, 8, tzinfo=TZ)
    problems = above_max([_dose(day, 5000, "extra")], [], kb)
    assert {p.which for p in problems} == {"single", "daily"}
    assert "5000 mg in one dose is above the labelled maximum single dose of 20 mg" in (
        problems[0].message()
    )
    # 4 x 20 mg is the daily maximum: a fifth dose goes above it, counting the earlier ones
    earlier = [_dose(day + timedelta(hours=h), 20).model_copy(update={"id": h + 1})
               for h in range(4)]  # fmt: skip
    fifth = _dose(day + timedelta(hours=10), 20, "extra")
    assert [p.which for p in above_max([fifth], earlier, kb)] == ["daily"]
    assert above_max([fifth], earlier[:3], kb) == []
    # the same planned slot ticked again replaces, it is not a second dose
    again = _dose(day + timedelta(minutes=30), 20)
    assert above_max([again], earlier, kb) == []


def test_the_analysis_warns_the_care_team_of_doses_above_the_label(kb: KnowledgeBase) -> None:
    entries = [_dose(datetime(2026, 3, 2, 12, tzinfo=TZ), 5000, "extra")]
    a = analyse_diary(entries, [], start=date(2026, 3, 1), end=date(2026, 3, 3), kb=kb)
    above = [x for x in a.alerts if x.code == "DIARY-ABOVE-MAX"]
    assert len(above) == 1 and above[0].severity == "major"
    assert above[0].detail.startswith("baclofen 5000 mg in one dose")


def test_future_times_are_refused_with_a_small_clock_skew() -> None:
    now = datetime(2026, 3, 2, 12, tzinfo=UTC)
    not_in_future(DiaryEntry(at=now + timedelta(minutes=4), kind="pain", value=3), now)
    with pytest.raises(InputError) as info:
        not_in_future(DiaryEntry(at=now + timedelta(minutes=6), kind="pain", value=3), now,
                      "at_time")  # fmt: skip
    assert info.value.field == "at_time" and "in the future" in info.value.message


def test_entries_in_words() -> None:
    at = datetime(2026, 3, 2, 21, tzinfo=TZ)
    assert describe_entry(DiaryEntry(at=at, kind="pain", value=6)) == "pain 6/10 on 02 Mar at 21:00"
    assert describe_entry(_dose(at, 10), with_time=False) == "baclofen 10 mg (planned dose)"
    sleep = DiaryEntry(at=at, kind="sleep", value=6.5, quality=4)
    assert describe_entry(sleep, with_time=False) == "sleep 6.5 h, quality 4/10"
    spasm = DiaryEntry(at=at, kind="spasm", value=2, severity=3)
    assert describe_entry(spasm, with_time=False) == "spasms 2/4 (Penn), severe"


def test_dose_times_still_to_come_are_not_missed() -> None:
    regimen = RegimenPeriod(id=1, patient_id=1, sig="baclofen 10 mg tid", drug="baclofen",
                            dose_mg=10, doses_per_day=3, times=("08:00", "14:00", "20:00"),
                            start=date(2026, 3, 1))  # fmt: skip
    taken = [_dose(datetime(2026, 3, 2, 8, tzinfo=TZ), 10)]
    now = datetime(2026, 3, 2, 9, tzinfo=TZ)
    a = analyse_diary(taken, [regimen], start=date(2026, 3, 2), end=date(2026, 3, 2), now=now)
    assert (a.adherence[0].expected, a.adherence[0].missed) == (1, 0)
    later = analyse_diary(taken, [regimen], start=date(2026, 3, 2), end=date(2026, 3, 2))
    assert later.adherence[0].expected == 3  # a past day: all three were due


def test_the_side_effect_axis_spans_the_report_period() -> None:
    entries = [
        DiaryEntry(at=datetime(2026, 3, 5, 9, tzinfo=TZ), kind="side_effect",
                   symptom="drowsiness", severity=2),
        DiaryEntry(at=datetime(2020, 1, 1, 9, tzinfo=TZ), kind="side_effect",
                   symptom="nausea", severity=1),  # outside the period: left out
    ]  # fmt: skip
    fig = side_effect_figure(entries, date(2026, 3, 1), date(2026, 3, 14))
    assert fig is not None
    low, high = fig.axes[0].get_xlim()
    days = mdates.num2date(high) - mdates.num2date(low)
    assert days == timedelta(days=14)
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["drowsiness"]


def test_the_reminder_calendar_holds_each_dose_and_the_daily_entry() -> None:
    record = PatientRecord(id=7, display_name="Ann", timezone="Europe/Berlin")
    regimens = (
        RegimenPeriod(id=1, patient_id=7, sig="baclofen 5 mg tid", drug="baclofen", dose_mg=5,
                      doses_per_day=3, times=("08:00", "14:00", "20:00"), start=date(2026, 1, 1),
                      end=date(2026, 2, 28)),  # ended: not in the feed
        RegimenPeriod(id=2, patient_id=7, sig="baclofen 10 mg bid", drug="baclofen",
                      dose_mg=10, doses_per_day=2, times=("08:00", "20:00"),
                      start=date(2026, 3, 1)),
    )  # fmt: skip
    body = reminder_calendar(record, regimens, diary_url="https://x.example/patients/7/diary",
                             today=date(2026, 3, 10))  # fmt: skip
    cal = Calendar.from_ical(body)
    events = cal.walk("VEVENT")
    assert sorted(str(e["summary"]) for e in events) == [
        "Diary: how was the day?", "baclofen 10 mg", "baclofen 10 mg"]  # fmt: skip
    for e in events:
        assert e["rrule"]["FREQ"] == ["DAILY"]
        assert e.walk("VALARM")
        assert str(e.decoded("dtstart").tzinfo) == "Europe/Berlin"
    items = reminder_items(regimens, date(2026, 3, 10))
    assert [i["at"] for i in items] == ["08:00", "20:00", "20:30"]


def test_the_report_puts_each_scale_on_its_own_axis() -> None:
    from myorelax.reports.diary_report import trend_figure

    at = datetime(2026, 3, 2, 21, tzinfo=TZ)
    entries = [DiaryEntry(at=at, kind="pain", value=6), DiaryEntry(at=at, kind="spasm", value=2,
               severity=1), DiaryEntry(at=at, kind="sleep", value=7)]  # fmt: skip
    a = analyse_diary(entries, [], start=date(2026, 3, 1), end=date(2026, 3, 14))
    fig = trend_figure(a, [])
    assert [ax.get_ylim()[1] for ax in fig.axes] == [10.8, 4.4, 12.5]
    low, high = fig.axes[-1].get_xlim()
    assert mdates.num2date(high) - mdates.num2date(low) == timedelta(days=14)
