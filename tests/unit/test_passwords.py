"""Password hashing and the rules a new password must meet."""

from __future__ import annotations

import re

import pytest

from app.auth.passwords import (
    PasswordProblem,
    check_new_password,
    hash_password,
    verify_password,
)


def test_passwords_are_hashed_with_argon2id_at_19_mib_and_two_passes_or_more():
    params = re.match(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$", hash_password("x" * 12))
    assert params, "not an argon2id hash"
    memory_kib, passes = int(params.group(1)), int(params.group(2))
    assert memory_kib >= 19 * 1024
    assert passes >= 2


def test_a_hash_verifies_only_its_own_password():
    stored = hash_password("river stones at dusk")
    assert verify_password(stored, "river stones at dusk")
    assert not verify_password(stored, "river stones at dawn")


def test_a_damaged_hash_does_not_verify_and_does_not_raise():
    assert not verify_password("not-a-hash", "anything at all")


@pytest.mark.parametrize(
    ("password", "reason"),
    [
        ("123456789", "too_short"),
        ("x" * 257, "too_long"),
        ("password1234", "common"),
        ("qwertyuiop", "common"),
        ("PASSWORD1234", "common"),
        ("aaaaaaaaaaaa", "common"),
        ("abababababab", "common"),
        ("jordan.example", "personal"),
    ],
)
def test_a_weak_password_is_refused_for_its_reason(password, reason):
    with pytest.raises(PasswordProblem) as refused:
        check_new_password(password, email="jordan.example@example.org", name="Jordan")
    assert refused.value.reason == reason


@pytest.mark.parametrize("password", ["tide-pools", "correct horse battery", "x7!" * 4])
def test_a_long_uncommon_password_needs_no_particular_characters(password):
    check_new_password(password, email="someone@example.org", name="Someone")
