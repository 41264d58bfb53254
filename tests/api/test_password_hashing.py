"""Passwords are hashed with Argon2id at the recommended cost unless a test suite asks for weak
hashes (Settings.password_hashing; the test suite's conftest does, to make its hundreds of
accounts cheap). Either kind of hash verifies the same way."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from myorelax.api import security
from myorelax.api.settings import Settings


@pytest.fixture
def restore() -> Iterator[None]:
    weak = security._WEAK
    yield
    security.use_weak_hashes_for_tests(weak)


def test_the_default_is_the_recommended_cost(restore: None) -> None:
    assert Settings.model_fields["password_hashing"].default == "standard"
    security.use_weak_hashes_for_tests(False)
    made = security.hash_password("correct horse battery")
    assert made.startswith("$argon2id$") and "m=65536,t=3,p=4" in made
    assert security.verify_password("correct horse battery", made)
    assert not security.verify_password("wrong horse battery", made)


def test_weak_hashes_verify_and_standard_ones_still_do(restore: None) -> None:
    security.use_weak_hashes_for_tests(False)
    standard = security.hash_password("correct horse battery")
    security.use_weak_hashes_for_tests(True)
    weak = security.hash_password("correct horse battery")
    assert "m=8,t=1,p=1" in weak
    for made in (weak, standard):
        assert security.verify_password("correct horse battery", made)
        assert not security.verify_password("wrong horse battery", made)
    assert not security.verify_password("anything at all", None)
