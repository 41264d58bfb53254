"""CDS Hooks feedback: what was done with each card, stored once however often it is sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from myorelax.store.db import Database
from myorelax.store.tables import CdsFeedbackRow


class CardFeedback(BaseModel):
    model_config = ConfigDict(frozen=True)

    card_uuid: str
    outcome: str
    outcome_timestamp: str
    accepted_suggestions: tuple[str, ...] = ()
    override_code: str | None = None
    override_system: str | None = None
    override_display: str | None = None
    user_comment: str | None = None


class FeedbackStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    def record(
        self, service_id: str, items: Sequence[CardFeedback], client: str | None = None
    ) -> tuple[int, int]:
        """Store new feedback items (all in one transaction); return (stored, already_known).
        When the same feedback arrives twice at once, the loser's unique-key violation rolls its
        transaction back and the retry finds the rows already stored."""
        try:
            return self._record(service_id, items, client)
        except IntegrityError:
            return self._record(service_id, items, client)

    def _record(
        self, service_id: str, items: Sequence[CardFeedback], client: str | None
    ) -> tuple[int, int]:
        stored = known = 0
        with self.db.unit_of_work() as s:
            for it in items:
                exists = s.scalar(
                    select(CdsFeedbackRow.id).where(
                        CdsFeedbackRow.service_id == service_id,
                        CdsFeedbackRow.card_uuid == it.card_uuid,
                        CdsFeedbackRow.outcome == it.outcome,
                        CdsFeedbackRow.outcome_timestamp == it.outcome_timestamp,
                    )
                )
                if exists is not None:
                    known += 1
                    continue
                s.add(
                    CdsFeedbackRow(
                        service_id=service_id,
                        card_uuid=it.card_uuid,
                        outcome=it.outcome,
                        outcome_timestamp=it.outcome_timestamp,
                        accepted_suggestions=list(it.accepted_suggestions),
                        override_code=it.override_code,
                        override_system=it.override_system,
                        override_display=it.override_display,
                        user_comment=it.user_comment,
                        client=client,
                        received_at=datetime.now(UTC),
                    )
                )
                s.flush()
                stored += 1
        return stored, known
