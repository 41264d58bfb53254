"""CDS Hooks replay protection in the database (SQLite and PostgreSQL): a token id is accepted
once while it is kept, accepted again only after it expired (an entry not yet pruned is
renewed), and kept per issuer."""

from __future__ import annotations

from myorelax.store.db import Database
from myorelax.store.shared_state import TokenUseStore


def test_a_token_id_is_used_once_while_kept(db: Database) -> None:
    store = TokenUseStore(db)
    assert store.first_use("https://ehr.example/", "j1", keep_until=200.0, now=100.0)
    assert not store.first_use("https://ehr.example/", "j1", keep_until=250.0, now=150.0)
    # Another issuer's token with the same id is another token.
    assert store.first_use("https://other.example/", "j1", keep_until=200.0, now=150.0)


def test_an_expired_entry_not_yet_pruned_is_renewed(db: Database) -> None:
    store = TokenUseStore(db)
    assert store.first_use("https://ehr.example/", "j2", keep_until=200.0, now=100.0)
    assert store.first_use("https://ehr.example/", "j2", keep_until=400.0, now=300.0)
    # Renewed until 400: a replay at 350 is refused.
    assert not store.first_use("https://ehr.example/", "j2", keep_until=500.0, now=350.0)
