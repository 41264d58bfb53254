"""Audit of the diary's domain and REST answer: whole-number ratings, side effects outside the
list kept as "other" in the person's words, smoothed trends without invented days, analyses
left out for want of days said, and replacements returned by the REST API."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from myorelax.diary.analysis import analyse_diary, smooth
from myorelax.diary.entries import DiaryEntry, parse_entry, unlisted_symptom
from myorelax.errors import InputError

TZ = timezone(timedelta(hours=1))
AT = "2026-11-02T08:00:00+01:00"


@pytest.mark.parametrize("kind", ["pain", "stiffness", "stress"])
def test_nrs_ratings_take_whole_numbers_only(kind: str) -> None:
    """The 0-10 NRS has eleven points and the person picks a whole number (Hawker et al.,
    Arthritis Care Res 2011;63(S11):S240-52; docs/diary.md): 5.5 is not a score on it and is
    refused naming the field, while 5 is kept."""
    with pytest.raises(InputError) as exc:
        parse_entry({"at": AT, "kind": kind, "value": 5.5})
    assert exc.value.field == "value"
    assert "whole number" in exc.value.message and "5.5" in exc.value.message
    assert parse_entry({"at": AT, "kind": kind, "value": 5}).value == 5


def test_sleep_quality_is_whole_but_sleep_hours_are_not() -> None:
    """Sleep quality is a 0-10 rating in whole numbers (the form offers 0..10); hours slept are
    a measured amount, so 7.5 h is fine."""
    with pytest.raises(InputError) as exc:
        parse_entry({"at": AT, "kind": "sleep", "value": 7.5, "quality": 6.5})
    assert exc.value.field == "quality"
    assert parse_entry({"at": AT, "kind": "sleep", "value": 7.5, "quality": 6}).value == 7.5


def test_unlisted_side_effect_is_other_in_the_persons_words() -> None:
    """docs/diary.md lists drowsiness, dizziness, weakness, confusion, nausea or other: an
    unlisted symptom is stored as "other" keeping the words (never lost, never a free term
    posing as a listed one); a listed one in other case is the listed term."""
    e = parse_entry({"at": AT, "kind": "side_effect", "symptom": "Itching", "severity": 1})
    assert e.symptom == "other: Itching" and unlisted_symptom(e) == "Itching"
    listed = parse_entry({"at": AT, "kind": "side_effect", "symptom": " Nausea ", "severity": 2})
    assert listed.symptom == "nausea" and unlisted_symptom(listed) is None
    again = parse_entry({"at": AT, "kind": "side_effect", "symptom": e.symptom, "severity": 1})
    assert again.symptom == "other: Itching"  # stable when read back or re-imported
    with pytest.raises(InputError) as exc:
        parse_entry({"at": AT, "kind": "side_effect", "symptom": "x" * 79, "severity": 1})
    assert exc.value.field == "symptom"


def test_smoothed_trend_leaves_days_without_entries_empty() -> None:
    """A 7-day mean on a day nobody recorded anything would be a value the diary does not
    hold: those days stay None (a gap)."""
    assert smooth([None, None, 9.0, None, None]) == [None, None, 9.0, None, None]
    assert smooth([2.0, None, 4.0]) == [3.0, None, 3.0]


def test_short_diary_says_what_was_not_analysed() -> None:
    """Ten days cannot carry the pain-stress analysis (21 days with both needed): the report
    says so with the count it had instead of an empty list."""
    start = date(2026, 11, 1)
    entries = [
        DiaryEntry(at=datetime(2026, 11, 1 + d, 20, tzinfo=TZ), kind=kind, value=float(d % 5))
        for d in range(10)
        for kind in ("pain", "stress")
    ]
    a = analyse_diary(entries, [], start=start, end=start + timedelta(days=9))
    assert a.pain_stress == ()
    assert any("at least 21 days" in n and "has 10" in n for n in a.notes)
    assert any("change points" in n and "pain" in n for n in a.notes)


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    from myorelax.api.app import create_app
    from myorelax.api.deps import current_actor
    from myorelax.api.settings import Settings
    from myorelax.diary.records import SYSTEM

    settings = Settings(database_url=f"sqlite:///{tmp_path / 'db.sqlite'}",
                        create_demo_users=False)  # fmt: skip
    app = create_app(settings)
    app.dependency_overrides[current_actor] = lambda: SYSTEM
    with TestClient(app) as c:
        yield c


def test_rest_names_the_field_and_returns_what_a_save_replaced(client: TestClient) -> None:
    """HTTP: 5.5 on the pain NRS is a 4xx naming the field; a second pain of the day replaces
    the first and the answer lists the earlier value (nothing replaced silently)."""
    pid = client.post("/api/v1/patients", json={"display_name": "Ann"}).json()["id"]
    url = f"/api/v1/patients/{pid}/entries"
    bad = client.post(url, json={"entries": [{"at": AT, "kind": "pain", "value": 5.5}]})
    assert 400 <= bad.status_code < 500 and bad.json()["field"] == "value"
    first = client.post(url, json={"entries": [{"at": AT, "kind": "pain", "value": 5}]})
    assert first.status_code == 201, first.text
    later = "2026-11-02T21:00:00+01:00"
    second = client.post(url, json={"entries": [{"at": later, "kind": "pain", "value": 9}]})
    assert second.status_code == 201, second.text
    assert [e["value"] for e in second.json()["replaced"]] == [5]
    other = client.post(url, json={"entries": [
        {"at": AT, "kind": "side_effect", "symptom": "itching", "severity": 1}]})  # fmt: skip
    assert other.json()["entries"][0]["symptom"] == "other: itching"


@pytest.mark.parametrize("at", [1, 1700000000, "1700000000", " 1.5 ", 1.5])
def test_a_bare_number_is_not_read_as_unix_time(at: object) -> None:
    """'1' in a CSV import's `at` column was stored as 1970-01-01T00:00:01Z (pydantic reads a
    number as seconds since 1970): refused, naming the field, as the CLI's --at already was."""
    with pytest.raises(InputError) as exc:
        parse_entry({"at": at, "kind": "pain", "value": 5})
    assert exc.value.field == "at"
    assert "not a date-time" in exc.value.message
    assert parse_entry({"at": AT, "kind": "pain", "value": 5}).at.year == 2026
