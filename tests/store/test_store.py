"""Storage on SQLite and PostgreSQL: migrations, repositories, access rules, transactions,
audit, and durability under SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import inspect

from myorelax import parse_sig
from myorelax.diary.entries import DiaryEntry
from myorelax.diary.records import SYSTEM, Actor
from myorelax.errors import AccessError, InputError, NotFoundError
from myorelax.store.db import Database, downgrade_database, make_engine, upgrade_database
from myorelax.store.repositories import DiaryStore

TZ = timezone(timedelta(hours=2))
TABLES = {"users", "patients", "care_team", "regimens", "diary_entries", "care_plans", "audit_log"}


def _world(store: DiaryStore):  # type: ignore[no-untyped-def]
    ann_user = store.create_user(SYSTEM, "ann", "patient")
    bob_user = store.create_user(SYSTEM, "bob", "patient")
    doc = store.create_user(SYSTEM, "dr_lee", "clinician")
    other_doc = store.create_user(SYSTEM, "dr_kim", "clinician")
    ann = store.create_patient(SYSTEM, "Ann", user_id=ann_user.id)
    bob = store.create_patient(SYSTEM, "Bob", user_id=bob_user.id)
    store.link_clinician(SYSTEM, doc.id, ann.id)
    return (
        ann,
        bob,
        Actor(user_id=ann_user.id, role="patient"),
        Actor(user_id=bob_user.id, role="patient"),
        Actor(user_id=doc.id, role="clinician"),
        Actor(user_id=other_doc.id, role="clinician"),
    )


def test_migrations_up_from_empty_and_down(db_url: str) -> None:
    engine = make_engine(db_url)
    upgrade_database(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    upgrade_database(engine)  # idempotent
    downgrade_database(engine)
    assert not TABLES & set(inspect(engine).get_table_names())
    upgrade_database(engine)
    assert set(inspect(engine).get_table_names()) >= TABLES
    engine.dispose()


def test_entries_round_trip_with_time_zone(db: Database) -> None:
    store = DiaryStore(db)
    ann, *_ = _world(store)
    entries = [
        DiaryEntry(at=datetime(2026, 3, 1, 8, 5, tzinfo=TZ), kind="dose", drug="baclofen", dose_mg=10),
        DiaryEntry(at=datetime(2026, 3, 1, 21, tzinfo=TZ), kind="pss10", items=(1, 2, 3, 0, 1, 2, 4, 3, 0, 1)),
        DiaryEntry(at=datetime(2026, 3, 1, 21, 1, tzinfo=TZ), kind="spasm", value=2, severity=3),
        DiaryEntry(at=datetime(2026, 3, 1, 22, tzinfo=TZ), kind="sleep", value=6.5, quality=4),
        DiaryEntry(at=datetime(2026, 3, 1, 9, tzinfo=TZ), kind="side_effect", symptom="drowsiness", severity=2),
    ]  # fmt: skip
    saved = store.add_entries(SYSTEM, ann.id, entries)
    assert all(e.id for e in saved)
    back = store.entries(SYSTEM, ann.id)
    assert [e.model_dump(exclude={"id", "patient_id"}) for e in back] == [
        e.model_dump(exclude={"id", "patient_id"}) for e in sorted(entries, key=lambda e: e.at)
    ]
    assert back[0].at.utcoffset() == timedelta(hours=2)
    window = store.entries(SYSTEM, ann.id, start=datetime(2026, 3, 1, 20, tzinfo=TZ))
    assert {e.kind for e in window} == {"pss10", "spasm", "sleep"}


def test_a_patient_cannot_read_another_patients_entries(db: Database) -> None:
    store = DiaryStore(db)
    ann, bob, as_ann, as_bob, as_doc, as_other_doc = _world(store)
    store.add_entry(
        as_ann, ann.id, DiaryEntry(at=datetime(2026, 3, 1, 8, tzinfo=TZ), kind="pain", value=6)
    )
    assert len(store.entries(as_ann, ann.id)) == 1
    assert len(store.entries(as_doc, ann.id)) == 1  # linked clinician
    with pytest.raises(NotFoundError):
        store.entries(as_bob, ann.id)
    with pytest.raises(NotFoundError):
        store.entries(as_other_doc, ann.id)  # a clinician not on the care team
    with pytest.raises(NotFoundError):
        store.add_entry(
            as_bob, ann.id, DiaryEntry(at=datetime(2026, 3, 1, 9, tzinfo=TZ), kind="pain", value=1)
        )
    with pytest.raises(AccessError):
        store.set_regimen(as_ann, ann.id, parse_sig("baclofen 10 mg tid"), date(2026, 3, 1))
    assert [p.id for p in store.patients(as_bob)] == [bob.id]
    assert [p.id for p in store.patients(as_doc)] == [ann.id]
    with pytest.raises(NotFoundError):
        store.entries(SYSTEM, 9999)
    log = store.audit_log(SYSTEM, ann.id)
    actions = [(e.action, e.user_id) for e in log]
    assert ("denied", as_bob.user_id) in actions
    assert ("read", as_doc.user_id) in actions


def test_regimen_history(db: Database) -> None:
    store = DiaryStore(db)
    ann, *_ = _world(store)
    store.set_regimen(SYSTEM, ann.id, parse_sig("baclofen 10 mg tid"), date(2026, 1, 1))
    store.set_regimen(SYSTEM, ann.id, parse_sig("baclofen 20 mg tid"), date(2026, 2, 1))
    first, second = store.regimens(SYSTEM, ann.id)
    assert (first.end, second.start, second.end) == (date(2026, 1, 31), date(2026, 2, 1), None)
    assert second.times == ("08:00", "14:00", "20:00")
    with pytest.raises(InputError):
        store.set_regimen(SYSTEM, ann.id, parse_sig("baclofen 5 mg tid"), date(2026, 2, 1))
    # An order's own cap per day is the doses a day the diary expects (not q6h's four).
    capped = parse_sig("tizanidine 4 mg q6h prn, max 3 doses/day")
    kept = store.set_regimen(SYSTEM, ann.id, capped, date(2026, 2, 1))
    assert (kept.doses_per_day, kept.prn) == (3, True)


def test_a_failed_batch_leaves_nothing_half_written(db: Database) -> None:
    store = DiaryStore(db)
    ann, *_ = _world(store)

    def batch():  # type: ignore[no-untyped-def]
        for i in range(50):
            yield DiaryEntry(
                at=datetime(2026, 3, 1, 8, tzinfo=TZ) + timedelta(hours=i),
                kind="pain",
                value=i % 10,
            )
        raise InputError("line 51: pain value 12 is out of range", field="value")

    with pytest.raises(InputError):
        store.add_entries(SYSTEM, ann.id, batch())
    assert store.entries(SYSTEM, ann.id) == ()


WRITER = textwrap.dedent(
    """
    import sys
    from datetime import datetime, timedelta, timezone
    from myorelax.diary.entries import DiaryEntry
    from myorelax.diary.records import SYSTEM
    from myorelax.store.db import Database
    from myorelax.store.repositories import DiaryStore

    store = DiaryStore(Database.connect(sys.argv[1], upgrade=False))
    patient = int(sys.argv[2])
    t0 = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for i in range(100000):
        e = store.add_entry(SYSTEM, patient, DiaryEntry(at=t0 + timedelta(minutes=i), kind="stress", value=i % 11))
        print(f"ACK {e.id}", flush=True)
    """
)


def test_acknowledged_entries_survive_sigkill(db: Database, db_url: str) -> None:
    store = DiaryStore(db)
    ann, *_ = _world(store)
    proc = subprocess.Popen(
        [sys.executable, "-c", WRITER, db_url, str(ann.id)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ},
    )
    acked: list[int] = []
    assert proc.stdout is not None
    for line in proc.stdout:
        if line.startswith("ACK "):
            acked.append(int(line.split()[1]))
        if len(acked) >= 150:
            break
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    stored = {e.id for e in store.entries(SYSTEM, ann.id)}
    assert set(acked) <= stored
    assert len(acked) >= 150
