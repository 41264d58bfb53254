"""The diary store on SQLite and PostgreSQL: one value per measure per day (the old value in the
audit log), the same planned dose slot once, a save with the same client key stored once,
corrections and deletions audited, the reminder feed token, and migration 0005 up and down."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect

from myorelax.diary.entries import DiaryEntry
from myorelax.diary.records import SYSTEM, Actor
from myorelax.errors import InputError, NotFoundError
from myorelax.store.db import Database, downgrade_database, make_engine, upgrade_database
from myorelax.store.repositories import DiaryStore

TZ = timezone(timedelta(hours=2))
DAY = datetime(2026, 3, 1, 9, tzinfo=TZ)


def _ann(store: DiaryStore) -> tuple[int, Actor]:
    user = store.create_user(SYSTEM, "ann", "patient")
    ann = store.create_patient(SYSTEM, "Ann", user_id=user.id)
    return ann.id, Actor(user_id=user.id, role="patient")


def _dose(at: datetime, mg: float = 10, status: str = "planned") -> DiaryEntry:
    return DiaryEntry(at=at, kind="dose", drug="baclofen", dose_mg=mg, dose_status=status)  # type: ignore[arg-type]


def test_migration_0005_adds_the_client_key_and_the_feeds(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade_database(engine)
    columns = {c["name"] for c in inspect(engine).get_columns("diary_entries")}
    assert "client_key" in columns and "diary_feeds" in inspect(engine).get_table_names()
    downgrade_database(engine, "0004")
    columns = {c["name"] for c in inspect(engine).get_columns("diary_entries")}
    assert "client_key" not in columns and "diary_feeds" not in inspect(engine).get_table_names()
    upgrade_database(engine)
    engine.dispose()


def test_a_second_rating_of_the_day_replaces_the_first(db: Database) -> None:
    store = DiaryStore(db)
    pid, ann = _ann(store)
    first = store.add_entry(ann, pid, DiaryEntry(at=DAY, kind="pain", value=6))
    saved = store.save_entries(ann, pid, [DiaryEntry(at=DAY + timedelta(hours=9), kind="pain",
                                                     value=7)])  # fmt: skip
    assert saved.entries[0].id == first.id  # replaced in place
    assert [(old.value, new.value) for old, new in saved.replaced] == [(6, 7)]
    pains = store.entries(ann, pid, kinds=["pain"])
    assert [e.value for e in pains] == [7]
    # another day, another kind and a side effect by name are separate values
    store.add_entries(ann, pid, [
        DiaryEntry(at=DAY + timedelta(days=1), kind="pain", value=3),
        DiaryEntry(at=DAY, kind="stress", value=2),
        DiaryEntry(at=DAY, kind="side_effect", symptom="drowsiness", severity=1),
        DiaryEntry(at=DAY, kind="side_effect", symptom="nausea", severity=1),
    ])  # fmt: skip
    store.add_entry(ann, pid, DiaryEntry(at=DAY, kind="side_effect", symptom="nausea",
                                         severity=3))  # fmt: skip
    assert len(store.entries(ann, pid, kinds=["pain"])) == 2
    effects = {e.symptom: e.severity for e in store.entries(ann, pid, kinds=["side_effect"])}
    assert effects == {"drowsiness": 1, "nausea": 3}
    log = store.audit_log(SYSTEM, pid)
    updates = [e.detail for e in log if e.action == "update"]
    assert updates[0] == "was pain 6/10 on 01 Mar at 09:00; now pain 7/10 on 01 Mar at 18:00"


def test_doses_are_events_but_the_same_planned_slot_is_once(db: Database) -> None:
    store = DiaryStore(db)
    pid, ann = _ann(store)
    store.add_entries(ann, pid, [_dose(DAY.replace(hour=8)), _dose(DAY.replace(hour=14))])
    again = store.save_entries(ann, pid, [_dose(DAY.replace(hour=8))])
    assert again.unchanged and not again.replaced
    store.add_entry(ann, pid, _dose(DAY.replace(hour=8, minute=30)))  # the time corrected
    store.add_entries(ann, pid, [_dose(DAY.replace(hour=12), 5, "extra"),
                                 _dose(DAY.replace(hour=12), 5, "extra")])  # fmt: skip
    doses = store.entries(ann, pid, kinds=["dose"])
    assert [(e.at.strftime("%H:%M"), e.dose_status) for e in doses] == [
        ("08:30", "planned"), ("12:00", "extra"), ("12:00", "extra"), ("14:00", "planned")]  # fmt: skip


def test_a_save_with_the_same_client_key_is_stored_once(db: Database) -> None:
    store = DiaryStore(db)
    pid, ann = _ann(store)
    key = "0f5e2a4c-1111-4222-8333-944455556666"
    batch = [_dose(DAY, 5, "extra"), DiaryEntry(at=DAY, kind="note", text="offline")]
    first = store.save_entries(ann, pid, batch, client_key=key)
    second = store.save_entries(ann, pid, batch, client_key=key)
    assert second.repeated and [e.id for e in second.entries] == [e.id for e in first.entries]
    assert len(store.entries(ann, pid)) == 2
    assert store.saved_with_client_key(ann, pid, key) == first.entries
    with pytest.raises(InputError):
        store.save_entries(ann, pid, batch, client_key="bad key%")


def test_a_correction_and_a_deletion_are_audited(db: Database) -> None:
    store = DiaryStore(db)
    pid, ann = _ann(store)
    entry = store.add_entry(ann, pid, DiaryEntry(at=DAY, kind="stiffness", value=8))
    fixed = store.update_entry(ann, pid, entry.id or 0,
                               DiaryEntry(at=DAY - timedelta(hours=1), kind="stiffness", value=5))  # fmt: skip
    assert (fixed.id, fixed.value) == (entry.id, 5)
    with pytest.raises(InputError):
        store.update_entry(ann, pid, entry.id or 0, DiaryEntry(at=DAY, kind="pain", value=5))
    store.delete_entry(ann, pid, entry.id or 0)
    with pytest.raises(NotFoundError):
        store.entry(ann, pid, entry.id or 0)
    with pytest.raises(NotFoundError):
        store.delete_entry(ann, pid, entry.id or 0)
    log = [(e.action, e.detail) for e in store.audit_log(SYSTEM, pid)
           if e.entity == "diary_entry" and e.action in ("update", "delete")]  # fmt: skip
    assert log == [
        ("update", "was stiffness 8/10 on 01 Mar at 09:00; now stiffness 5/10 on 01 Mar at 08:00"),
        ("delete", "deleted stiffness 5/10 on 01 Mar at 08:00"),
    ]


def test_the_feed_token_works_until_revoked(db: Database) -> None:
    store = DiaryStore(db)
    pid, ann = _ann(store)
    token = store.new_feed_token(ann, pid)
    found = store.feed_patient(token)
    assert found is not None and found[0].id == pid
    assert store.has_feed(ann, pid)
    newer = store.new_feed_token(ann, pid)  # an earlier address stops working
    assert store.feed_patient(token) is None and store.feed_patient(newer) is not None
    store.revoke_feed(ann, pid)
    assert store.feed_patient(newer) is None and not store.has_feed(ann, pid)
    assert store.feed_patient("not-a-token") is None
