"""Repositories: domain objects in and out, access checked, every call one transaction, and an
audit row for each read or change of patient data.

Access: an admin sees everything; a clinician sees the patients linked to them (care team); a
patient sees only their own record.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta, timezone

from pydantic import BaseModel, ConfigDict
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from myorelax.clinical.regimen import Order
from myorelax.diary.entries import SAME_SLOT_H, DiaryEntry, describe_entry
from myorelax.diary.limits import AboveMax, above_max
from myorelax.diary.records import (
    Actor,
    AuditEvent,
    PatientRecord,
    RegimenPeriod,
    Role,
    UserAccount,
)
from myorelax.errors import AccessError, InputError, NotFoundError
from myorelax.knowledge.schema import KnowledgeBase
from myorelax.store.db import Database
from myorelax.store.tables import (
    AuditRow,
    CarePlanRow,
    CareTeamRow,
    DiaryEntryRow,
    DiaryFeedRow,
    PatientRow,
    RegimenRow,
    UserRow,
)


def _now() -> datetime:
    return datetime.now(UTC)


def _utc(at: datetime) -> datetime:
    return at.astimezone(UTC)


def _aware(stored: datetime, offset_min: int) -> datetime:
    if stored.tzinfo is None:  # SQLite keeps no offset: the value is UTC
        stored = stored.replace(tzinfo=UTC)
    return stored.astimezone(timezone(timedelta(minutes=offset_min)))


def _entry(row: DiaryEntryRow) -> DiaryEntry:
    return DiaryEntry.model_validate(
        {
            "id": row.id,
            "patient_id": row.patient_id,
            "at": _aware(row.at, row.utc_offset_min),
            "kind": row.kind,
            "drug": row.drug,
            "dose_mg": row.dose_mg,
            "dose_status": row.dose_status,
            "value": None if row.kind == "pss10" else row.value,
            "severity": row.severity,
            "quality": row.quality,
            "symptom": row.symptom,
            "items": tuple(row.items) if row.items is not None else None,
            "text": row.text,
        }
    )


def _patient(row: PatientRow) -> PatientRecord:
    return PatientRecord(
        id=row.id, display_name=row.display_name, user_id=row.user_id, timezone=row.timezone
    )


def _regimen(row: RegimenRow) -> RegimenPeriod:
    return RegimenPeriod(
        id=row.id,
        patient_id=row.patient_id,
        sig=row.sig,
        drug=row.drug,
        dose_mg=row.dose_mg,
        doses_per_day=row.doses_per_day,
        times=tuple(row.times),
        prn=row.prn,
        start=row.start,
        end=row.end,
    )


CLIENT_KEY = re.compile(r"[A-Za-z0-9-]{8,64}")


class SavedEntries(BaseModel):
    """What one save stored: the entries (with ids), the earlier values they replaced, and
    whether it was a repeat of a save already received (nothing stored again)."""

    model_config = ConfigDict(frozen=True)

    entries: tuple[DiaryEntry, ...]
    replaced: tuple[tuple[DiaryEntry, DiaryEntry], ...] = ()
    unchanged: tuple[int, ...] = ()  # ids of entries saved again with the same value
    repeated: bool = False


def _fill(row: DiaryEntryRow, e: DiaryEntry) -> None:
    offset = e.at.utcoffset()
    assert offset is not None
    row.at = _utc(e.at)
    row.utc_offset_min = int(offset.total_seconds() // 60)
    row.kind = e.kind
    row.drug = e.drug
    row.dose_mg = e.dose_mg
    row.dose_status = e.dose_status
    row.value = e.value
    row.severity = e.severity
    row.quality = e.quality
    row.symptom = e.symptom
    row.items = list(e.items) if e.items is not None else None
    row.text = e.text


def _change(old: DiaryEntry, new: DiaryEntry) -> str:
    """The audit detail of a correction: the old and the new value (at most 200 characters)."""
    return f"was {describe_entry(old)}; now {describe_entry(new)}"[:200]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DiaryStore:
    """The diary's storage, used by the CLI, the service and tests alike."""

    def __init__(self, db: Database) -> None:
        self.db = db

    # -- access and audit ------------------------------------------------------------------
    def _patient_row(self, s: Session, actor: Actor, patient_id: int) -> PatientRow:
        # A record the user may not see is answered exactly as one that does not exist, so that
        # ids cannot be enumerated (the refusal is still audited).
        hidden = NotFoundError(f"no patient {patient_id} among your records", field="patient")
        row = s.get(PatientRow, patient_id)
        if row is None:
            raise hidden
        if actor.role == "admin":
            return row
        if actor.role == "patient" and row.user_id is not None and row.user_id == actor.user_id:
            return row
        if actor.role == "clinician":
            link = s.scalar(
                select(CareTeamRow.id).where(
                    CareTeamRow.clinician_id == actor.user_id,
                    CareTeamRow.patient_id == patient_id,
                )
            )
            if link is not None:
                return row
        self._log_denied(actor, patient_id)
        raise hidden

    def _log_denied(self, actor: Actor, patient_id: int) -> None:
        """A refused access is audited in its own transaction (the caller's rolls back)."""
        with self.db.unit_of_work() as s:
            self._audit(s, actor, "denied", "patient", patient_id, patient_id)

    def _audit(
        self,
        s: Session,
        actor: Actor,
        action: str,
        entity: str,
        entity_id: int | None,
        patient_id: int | None,
        detail: str | None = None,
    ) -> None:
        s.add(
            AuditRow(
                at=_now(),
                user_id=actor.user_id,
                action=action,
                entity=entity,
                entity_id=entity_id,
                patient_id=patient_id,
                detail=detail,
            )
        )

    @staticmethod
    def _require(actor: Actor, *roles: Role) -> None:
        if actor.role not in roles:
            raise AccessError(f"a {actor.role} may not do this", field="role")

    # -- users and patients ----------------------------------------------------------------
    def create_user(
        self, actor: Actor, username: str, role: Role, password_hash: str | None = None
    ) -> UserAccount:
        self._require(actor, "admin")
        if not username.strip():
            raise InputError("must not be empty", field="username")
        with self.db.unit_of_work() as s:
            row = UserRow(
                username=username.strip(),
                role=role,
                password_hash=password_hash,
                created_at=_now(),
            )
            s.add(row)
            try:
                s.flush()
            except IntegrityError:
                raise InputError(f"{username!r} is taken", field="username") from None
            self._audit(s, actor, "create", "user", row.id, None)
            return UserAccount(id=row.id, username=row.username, role=role)

    def create_patient(
        self,
        actor: Actor,
        display_name: str,
        *,
        user_id: int | None = None,
        tz: str = "UTC",
    ) -> PatientRecord:
        self._require(actor, "admin", "clinician")
        if not display_name.strip():
            raise InputError("must not be empty", field="display_name")
        if user_id is not None and actor.role != "admin":
            # Linking a sign-in account to a record decides who reads it: an administrator's act.
            raise AccessError("only an administrator links a patient account", field="user_id")
        with self.db.unit_of_work() as s:
            if user_id is not None:
                user = s.get(UserRow, user_id)
                if user is None or user.role != "patient":
                    raise NotFoundError(f"no patient account {user_id}", field="user_id")
            row = PatientRow(
                display_name=display_name.strip(), user_id=user_id, timezone=tz, created_at=_now()
            )
            s.add(row)
            try:
                s.flush()
            except IntegrityError:
                raise InputError(
                    f"account {user_id} already has a patient record", field="user_id"
                ) from None
            if actor.role == "clinician" and actor.user_id is not None:
                s.add(CareTeamRow(clinician_id=actor.user_id, patient_id=row.id))
            self._audit(s, actor, "create", "patient", row.id, row.id)
            return _patient(row)

    def link_clinician(self, actor: Actor, clinician_id: int, patient_id: int) -> None:
        self._require(actor, "admin")
        with self.db.unit_of_work() as s:
            user = s.get(UserRow, clinician_id)
            if user is None or user.role != "clinician":
                raise NotFoundError(f"clinician {clinician_id} does not exist", field="clinician")
            self._patient_row(s, actor, patient_id)
            s.add(CareTeamRow(clinician_id=clinician_id, patient_id=patient_id))
            self._audit(s, actor, "update", "care_team", clinician_id, patient_id)

    def patient(self, actor: Actor, patient_id: int) -> PatientRecord:
        with self.db.unit_of_work() as s:
            row = self._patient_row(s, actor, patient_id)
            self._audit(s, actor, "read", "patient", patient_id, patient_id)
            return _patient(row)

    def patients(self, actor: Actor) -> tuple[PatientRecord, ...]:
        with self.db.unit_of_work() as s:
            query = select(PatientRow).order_by(PatientRow.id)
            if actor.role == "patient":
                query = query.where(PatientRow.user_id == actor.user_id)
            elif actor.role == "clinician":
                query = query.join(CareTeamRow, CareTeamRow.patient_id == PatientRow.id).where(
                    CareTeamRow.clinician_id == actor.user_id
                )
            rows = s.scalars(query).all()
            self._audit(s, actor, "read", "patient_list", None, None, f"{len(rows)} patients")
            return tuple(_patient(r) for r in rows)

    # -- regimens ----------------------------------------------------------------------------
    def set_regimen(
        self, actor: Actor, patient_id: int, order: Order, start: date
    ) -> RegimenPeriod:
        """Start `order` on `start`; a current regimen of the same drug ends the day before."""
        self._require(actor, "admin", "clinician")
        with self.db.unit_of_work() as s:
            self._patient_row(s, actor, patient_id)
            current = s.scalars(
                select(RegimenRow).where(
                    RegimenRow.patient_id == patient_id,
                    RegimenRow.drug == order.drug,
                    RegimenRow.end.is_(None),
                )
            ).all()
            for row in current:
                if row.start >= start:
                    raise InputError(
                        f"a {order.drug} regimen already starts on {row.start.isoformat()}; "
                        "a change must start after it",
                        field="start",
                    )
                row.end = start - timedelta(days=1)
            freq = order.frequency
            new = RegimenRow(
                patient_id=patient_id,
                sig=order.text,
                drug=order.drug,
                dose_mg=order.dose_mg,
                doses_per_day=order.doses_per_day,  # the order's own cap per day, if any
                times=list(freq.times) if freq else [],
                prn=order.prn,
                start=start,
                end=None,
                created_by=actor.user_id,
                created_at=_now(),
            )
            s.add(new)
            s.flush()
            self._audit(s, actor, "create", "regimen", new.id, patient_id)
            return _regimen(new)

    def regimens(self, actor: Actor, patient_id: int) -> tuple[RegimenPeriod, ...]:
        with self.db.unit_of_work() as s:
            self._patient_row(s, actor, patient_id)
            rows = s.scalars(
                select(RegimenRow)
                .where(RegimenRow.patient_id == patient_id)
                .order_by(RegimenRow.start, RegimenRow.id)
            ).all()
            self._audit(s, actor, "read", "regimen", None, patient_id)
            return tuple(_regimen(r) for r in rows)

    # -- diary -------------------------------------------------------------------------------
    def add_entries(
        self, actor: Actor, patient_id: int, entries: Iterable[DiaryEntry]
    ) -> tuple[DiaryEntry, ...]:
        """Store every entry or none (one transaction); return them with their ids. A rating
        of a day that already has one replaces it (see `save_entries`)."""
        return self.save_entries(actor, patient_id, entries).entries

    def save_entries(
        self,
        actor: Actor,
        patient_id: int,
        entries: Iterable[DiaryEntry],
        *,
        client_key: str | None = None,
    ) -> SavedEntries:
        """Store every entry or none (one transaction). One value per measure per day: a
        rating (pain, stress, stiffness, spasms, sleep, PSS-10), a side effect of the same name
        or the same note on a day that already has one replaces it in place (same id; the old
        value goes to the audit log). Doses are events and are all kept, except a planned dose
        of the same drug within SAME_SLOT_H of one already recorded that day (the same slot
        ticked twice). `client_key` (made by the browser for one save) makes a save sent twice,
        e.g. queued offline and replayed, count once: the second answers the first's entries."""
        with self.db.unit_of_work() as s:
            self._patient_row(s, actor, patient_id)
            if client_key is not None:
                earlier = self._by_client_key(s, patient_id, client_key)
                if earlier:
                    self._audit(s, actor, "read", "diary_entry", None, patient_id,
                                "a repeated save (same client key): nothing stored again")  # fmt: skip
                    return SavedEntries(entries=earlier, replaced=(), repeated=True)
            rows: list[DiaryEntryRow] = []
            replaced: list[tuple[DiaryEntry, DiaryEntry]] = []
            unchanged: list[int] = []
            created = 0
            try:
                for i, e in enumerate(entries):
                    key = f"{client_key}#{i}" if client_key is not None else None
                    row = self._same_day(s, patient_id, e)
                    if row is None:
                        row = DiaryEntryRow(patient_id=patient_id, created_by=actor.user_id,
                                            created_at=_now(), client_key=key)  # fmt: skip
                        _fill(row, e)
                        s.add(row)
                        created += 1
                    else:
                        old = _entry(row)
                        _fill(row, e)
                        if row.client_key is None:
                            row.client_key = key
                        s.flush()
                        new = _entry(row)
                        if old.model_dump(exclude={"id"}) == new.model_dump(exclude={"id"}):
                            unchanged.append(row.id)
                        else:
                            replaced.append((old, new))
                            self._audit(s, actor, "update", "diary_entry", row.id, patient_id,
                                        _change(old, new))  # fmt: skip
                    s.flush()
                    rows.append(row)
                if created:
                    self._audit(s, actor, "create", "diary_entry", None, patient_id,
                                f"{created} entries")  # fmt: skip
            except IntegrityError:  # the same client key stored meanwhile by another request
                raise InputError("this save was already received", field="client_key") from None
            return SavedEntries(entries=tuple(_entry(r) for r in rows), replaced=tuple(replaced),
                                unchanged=tuple(unchanged))  # fmt: skip

    def saved_with_client_key(
        self, actor: Actor, patient_id: int, client_key: str
    ) -> tuple[DiaryEntry, ...]:
        """The entries an earlier save with this client key stored (empty: none yet)."""
        with self.db.unit_of_work() as s:
            self._patient_row(s, actor, patient_id)
            return self._by_client_key(s, patient_id, client_key)

    @staticmethod
    def _by_client_key(s: Session, patient_id: int, key: str) -> tuple[DiaryEntry, ...]:
        if not CLIENT_KEY.fullmatch(key):
            raise InputError("is not a client key (8-64 letters, digits or -)", field="client_key")
        rows = s.scalars(
            select(DiaryEntryRow)
            .where(
                DiaryEntryRow.patient_id == patient_id, DiaryEntryRow.client_key.like(f"{key}#%")
            )
            .order_by(DiaryEntryRow.id)
        ).all()
        return tuple(_entry(r) for r in rows)

    @staticmethod
    def _same_day(s: Session, patient_id: int, e: DiaryEntry) -> DiaryEntryRow | None:
        """The stored entry this one replaces (one value per measure per day), if any."""
        if e.kind == "dose" and e.dose_status != "planned":
            return None
        day = e.at.date()
        utc = _utc(e.at)
        rows = s.scalars(
            select(DiaryEntryRow)
            .where(
                DiaryEntryRow.patient_id == patient_id,
                DiaryEntryRow.kind == e.kind,
                DiaryEntryRow.at >= utc - timedelta(hours=40),
                DiaryEntryRow.at <= utc + timedelta(hours=40),
            )
            .order_by(DiaryEntryRow.id)
        ).all()
        for row in rows:
            at = _aware(row.at, row.utc_offset_min)
            if at.date() != day:
                continue
            if e.kind == "dose":
                if (row.dose_status == "planned" and row.drug == e.drug
                        and abs((at - e.at).total_seconds()) < SAME_SLOT_H * 3600):  # fmt: skip
                    return row
            elif e.kind == "side_effect":
                if row.symptom == e.symptom:
                    return row
            elif e.kind == "note":
                if row.text == e.text:
                    return row
            else:
                return row
        return None

    def update_entry(
        self, actor: Actor, patient_id: int, entry_id: int, entry: DiaryEntry
    ) -> DiaryEntry:
        """Correct one entry (its kind stays); the old value is kept in the audit log."""
        with self.db.unit_of_work() as s:
            self._patient_row(s, actor, patient_id)
            row = s.get(DiaryEntryRow, entry_id)
            if row is None or row.patient_id != patient_id:
                raise NotFoundError(f"entry {entry_id} does not exist", field="entry")
            if entry.kind != row.kind:
                raise InputError(f"an entry's kind cannot change (it is {row.kind})", field="kind")
            old = _entry(row)
            _fill(row, entry)
            s.flush()
            new = _entry(row)
            self._audit(s, actor, "update", "diary_entry", entry_id, patient_id, _change(old, new))
            return new

    def entry(self, actor: Actor, patient_id: int, entry_id: int) -> DiaryEntry:
        with self.db.unit_of_work() as s:
            self._patient_row(s, actor, patient_id)
            row = s.get(DiaryEntryRow, entry_id)
            if row is None or row.patient_id != patient_id:
                raise NotFoundError(f"entry {entry_id} does not exist", field="entry")
            self._audit(s, actor, "read", "diary_entry", entry_id, patient_id)
            return _entry(row)

    def add_entry(self, actor: Actor, patient_id: int, entry: DiaryEntry) -> DiaryEntry:
        return self.add_entries(actor, patient_id, [entry])[0]

    def entries(
        self,
        actor: Actor,
        patient_id: int,
        *,
        start: datetime | None = None,
        end: datetime | None = None,
        kinds: Sequence[str] | None = None,
    ) -> tuple[DiaryEntry, ...]:
        with self.db.unit_of_work() as s:
            self._patient_row(s, actor, patient_id)
            query = select(DiaryEntryRow).where(DiaryEntryRow.patient_id == patient_id)
            if start is not None:
                query = query.where(DiaryEntryRow.at >= _utc(start))
            if end is not None:
                query = query.where(DiaryEntryRow.at < _utc(end))
            if kinds:
                query = query.where(DiaryEntryRow.kind.in_(list(kinds)))
            rows = s.scalars(query.order_by(DiaryEntryRow.at, DiaryEntryRow.id)).all()
            self._audit(s, actor, "read", "diary_entry", None, patient_id, f"{len(rows)} entries")
            return tuple(_entry(r) for r in rows)

    def entries_on_days(
        self, actor: Actor, patient_id: int, first: date, last: date
    ) -> tuple[DiaryEntry, ...]:
        """Entries whose local date (in the entry's own UTC offset) is within first..last.
        Offsets run from -12 to +14 h, so the UTC query is widened by 14 h on each side."""
        entries = self.entries(
            actor,
            patient_id,
            start=datetime.combine(first, time.min, tzinfo=UTC) - timedelta(hours=14),
            end=datetime.combine(last + timedelta(days=1), time.min, tzinfo=UTC)
            + timedelta(hours=14),
        )
        return tuple(e for e in entries if first <= e.at.date() <= last)

    def doses_above_max(
        self,
        actor: Actor,
        patient_id: int,
        entries: Sequence[DiaryEntry],
        kb: KnowledgeBase | None,
        *,
        replacing: int | None = None,
    ) -> list[AboveMax]:
        """The new doses above a labelled single or daily maximum, each day's total counted with
        the doses already recorded that day (the entry being replaced left out): the one test
        the REST API, the web diary and the CLI ask before a save."""
        doses = [e for e in entries if e.kind == "dose"]
        if not doses:
            return []
        days = sorted({e.at.date() for e in doses})
        earlier = [e for e in self.entries_on_days(actor, patient_id, days[0], days[-1])
                   if e.kind == "dose" and e.id != replacing]  # fmt: skip
        return above_max(doses, earlier, kb)

    def delete_entry(self, actor: Actor, patient_id: int, entry_id: int) -> None:
        """Delete one entry; what it held is kept in the audit log."""
        with self.db.unit_of_work() as s:
            self._patient_row(s, actor, patient_id)
            row = s.get(DiaryEntryRow, entry_id)
            if row is None or row.patient_id != patient_id:
                raise NotFoundError(f"entry {entry_id} does not exist", field="entry")
            detail = f"deleted {describe_entry(_entry(row))}"[:200]
            s.execute(delete(DiaryEntryRow).where(DiaryEntryRow.id == entry_id))
            self._audit(s, actor, "delete", "diary_entry", entry_id, patient_id, detail)

    # -- reminder calendar feed ------------------------------------------------------------
    def new_feed_token(self, actor: Actor, patient_id: int) -> str:
        """A new secret token for the patient's reminder calendar; earlier ones are revoked.
        Only its hash is stored: the token is shown once."""
        token = secrets.token_urlsafe(32)
        with self.db.unit_of_work() as s:
            self._patient_row(s, actor, patient_id)
            self._revoke_feeds(s, patient_id)
            s.add(DiaryFeedRow(patient_id=patient_id, token_hash=_hash(token), created_at=_now()))
            self._audit(s, actor, "create", "diary_feed", None, patient_id)
        return token

    def revoke_feed(self, actor: Actor, patient_id: int) -> None:
        with self.db.unit_of_work() as s:
            self._patient_row(s, actor, patient_id)
            self._revoke_feeds(s, patient_id)
            self._audit(s, actor, "delete", "diary_feed", None, patient_id)

    def has_feed(self, actor: Actor, patient_id: int) -> bool:
        with self.db.unit_of_work() as s:
            self._patient_row(s, actor, patient_id)
            return (
                s.scalar(
                    select(DiaryFeedRow.id).where(
                        DiaryFeedRow.patient_id == patient_id, DiaryFeedRow.revoked_at.is_(None)
                    )
                )
                is not None
            )

    @staticmethod
    def _revoke_feeds(s: Session, patient_id: int) -> None:
        for row in s.scalars(
            select(DiaryFeedRow).where(
                DiaryFeedRow.patient_id == patient_id, DiaryFeedRow.revoked_at.is_(None)
            )
        ):
            row.revoked_at = _now()

    def feed_patient(self, token: str) -> tuple[PatientRecord, tuple[RegimenPeriod, ...]] | None:
        """The patient and regimens a live feed token stands for (None: unknown or revoked).
        The token is the credential: the read is audited as the patient's feed."""
        with self.db.unit_of_work() as s:
            feed = s.scalar(
                select(DiaryFeedRow).where(
                    DiaryFeedRow.token_hash == _hash(token), DiaryFeedRow.revoked_at.is_(None)
                )
            )
            if feed is None:
                return None
            patient = s.get(PatientRow, feed.patient_id)
            if patient is None:
                return None
            rows = s.scalars(
                select(RegimenRow)
                .where(RegimenRow.patient_id == patient.id)
                .order_by(RegimenRow.start, RegimenRow.id)
            ).all()
            self._audit(s, Actor(user_id=patient.user_id, role="patient"), "read", "diary_feed",
                        feed.id, patient.id)  # fmt: skip
            return _patient(patient), tuple(_regimen(r) for r in rows)

    def save_care_plan(
        self, actor: Actor, patient_id: int, kind: str, document: dict[str, object]
    ) -> int:
        self._require(actor, "admin", "clinician")
        with self.db.unit_of_work() as s:
            self._patient_row(s, actor, patient_id)
            row = CarePlanRow(
                patient_id=patient_id,
                kind=kind,
                document=document,
                created_by=actor.user_id,
                created_at=_now(),
            )
            s.add(row)
            s.flush()
            self._audit(s, actor, "create", "care_plan", row.id, patient_id)
            return row.id

    def audit_log(self, actor: Actor, patient_id: int | None = None) -> tuple[AuditEvent, ...]:
        self._require(actor, "admin")
        with self.db.unit_of_work() as s:
            query = select(AuditRow).order_by(AuditRow.id)
            if patient_id is not None:
                query = query.where(AuditRow.patient_id == patient_id)
            return tuple(
                AuditEvent(
                    id=r.id,
                    user_id=r.user_id,
                    action=r.action,
                    entity=r.entity,
                    entity_id=r.entity_id,
                    patient_id=r.patient_id,
                    detail=r.detail,
                    at_iso=_aware(r.at, 0).isoformat(),
                )
                for r in s.scalars(query).all()
            )
