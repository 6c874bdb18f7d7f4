"""Adviser console accounts on SQLite and PostgreSQL: argon2 hashes, one answer for a wrong
email or password, lock-out after repeated failures, and the command that creates them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sms_gateway import accounts
from sms_gateway.accounts import AccountError, Login, authenticate, create_account
from sms_gateway.db import transaction
from sms_gateway.models import Account, utcnow

PASSWORD = "correct horse battery"


def make(sessions: sessionmaker[Session], email: str = "Sam@Example.gov.uk") -> str:
    with transaction(sessions) as session:
        return create_account(session, "lancashire", email, "Sam", "adviser", PASSWORD).id


def login(sessions: sessionmaker[Session], email: str, password: str, **kw) -> Login:
    with transaction(sessions) as session:
        return authenticate(session, email, password, **kw)


def test_the_password_is_stored_only_as_an_argon2id_hash(sessions) -> None:
    make(sessions)
    with sessions() as session:
        account = session.scalars(select(Account)).one()
    assert account.password_hash.startswith("$argon2id$")
    assert PASSWORD not in account.password_hash
    assert account.email == "sam@example.gov.uk"


def test_a_right_password_logs_in_whatever_the_emails_case(sessions) -> None:
    make(sessions)
    account = login(sessions, " SAM@example.GOV.uk ", PASSWORD).account
    assert account is not None
    assert account.council_id == "lancashire" and account.last_login_at is not None


def test_a_wrong_password_and_an_unknown_email_get_the_same_answer(sessions) -> None:
    make(sessions)
    assert login(sessions, "sam@example.gov.uk", "wrong password here") == Login(None)
    assert login(sessions, "nobody@example.gov.uk", PASSWORD) == Login(None)


def test_five_wrong_passwords_lock_the_account_for_fifteen_minutes(sessions) -> None:
    make(sessions)
    now = utcnow()
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        assert not login(sessions, "sam@example.gov.uk", "wrong password here", now=now).ok
    locked = login(sessions, "sam@example.gov.uk", "wrong password here", now=now)
    assert locked.locked_until == now + accounts.LOCK_FOR
    # Locked: even the right password is refused until the time is up.
    soon = now + dt.timedelta(minutes=14)
    assert login(sessions, "sam@example.gov.uk", PASSWORD, now=soon).locked_until is not None
    later = now + accounts.LOCK_FOR + dt.timedelta(seconds=1)
    assert login(sessions, "sam@example.gov.uk", PASSWORD, now=later).ok


def test_a_good_login_clears_earlier_failures(sessions) -> None:
    make(sessions)
    for _ in range(accounts.MAX_FAILED_LOGINS - 1):
        assert not login(sessions, "sam@example.gov.uk", "wrong password here").ok
    assert login(sessions, "sam@example.gov.uk", PASSWORD).ok
    # The count started again: one more failure does not lock.
    assert login(sessions, "sam@example.gov.uk", "wrong password here") == Login(None)
    assert login(sessions, "sam@example.gov.uk", PASSWORD).ok


@pytest.mark.parametrize(
    ("email", "role", "password", "why"),
    [
        ("sam@example.gov.uk", "adviser", "short", "12 characters"),
        ("not-an-email", "adviser", PASSWORD, "email"),
        ("sam@example.gov.uk", "superuser", PASSWORD, "role"),
    ],
)
def test_an_account_that_would_be_weak_or_wrong_is_refused(
    sessions, email: str, role: str, password: str, why: str
) -> None:
    with transaction(sessions) as session, pytest.raises(AccountError, match=why):
        create_account(session, "lancashire", email, "Sam", role, password)


def test_one_email_one_account(sessions) -> None:
    make(sessions)
    with pytest.raises(AccountError, match="exists"):
        make(sessions, email="sam@EXAMPLE.gov.uk")


def test_the_create_command_makes_an_account_that_can_log_in(
    sessions, database_url: str, monkeypatch, capsys
) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    from sms_gateway.config import get_settings  # the command reads the environment

    get_settings.cache_clear()
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = accounts.main(
        ["create", "--council", "northbridge", "--email", "alex@example.org", "--name", "Alex",
         "--role", "manager", "--password-stdin"]
    )  # fmt: skip
    get_settings.cache_clear()
    assert code == 0, capsys.readouterr().err
    account = login(sessions, "alex@example.org", PASSWORD).account
    assert account is not None and account.role == "manager"
    assert accounts.main(["create", "--council", "nowhere", "--email", "a@b.c", "--name", "A",
                          "--password-stdin"]) == 2  # fmt: skip
