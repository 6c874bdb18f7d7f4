"""Adviser console sessions on SQLite and PostgreSQL: only a hash of the cookie's token is
stored, sessions end when idle, when too old, at logout and when the account is switched off,
and a form without the session's CSRF token is refused."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from sms_gateway.accounts import create_account
from sms_gateway.console.sessions import (
    IDLE_TIMEOUT,
    MAX_AGE,
    csrf_ok,
    end_session,
    find_session,
    start_session,
)
from sms_gateway.db import transaction
from sms_gateway.models import Account, ConsoleSession, utcnow


def logged_in(sessions: sessionmaker[Session]) -> str:
    with transaction(sessions) as session:
        account = create_account(
            session, "lancashire", "sam@example.gov.uk", "Sam", "adviser", "correct horse battery"
        )
        _, token = start_session(session, account)
        return token


def find(sessions: sessionmaker[Session], token: str | None, at: dt.datetime | None = None):
    with transaction(sessions) as session:
        found = find_session(session, token, at)
        return None if found is None else (found.account.email, found.csrf_token)


def test_the_token_finds_its_session_and_only_its_hash_is_stored(sessions) -> None:
    token = logged_in(sessions)
    assert find(sessions, token)[0] == "sam@example.gov.uk"
    with sessions() as session:
        stored = session.scalars(select(ConsoleSession)).one()
    assert token not in (stored.id, stored.csrf_token)
    assert find(sessions, token + "x") is None
    assert find(sessions, None) is None


def test_a_session_ends_after_fifteen_idle_minutes_but_use_keeps_it_alive(sessions) -> None:
    token = logged_in(sessions)
    now = utcnow()
    assert find(sessions, token, now + IDLE_TIMEOUT - dt.timedelta(minutes=1))
    # Used a minute before the idle limit: the clock starts again from then.
    assert find(sessions, token, now + IDLE_TIMEOUT + dt.timedelta(minutes=5))
    assert find(sessions, token, now + 3 * IDLE_TIMEOUT) is None
    assert find(sessions, token) is None  # deleted, not just refused once


def test_the_consoles_live_refreshes_do_not_keep_an_unattended_session_alive(sessions) -> None:
    token = logged_in(sessions)
    now = utcnow()
    for minutes in range(1, 15):
        with transaction(sessions) as session:
            later = now + dt.timedelta(minutes=minutes)
            assert find_session(session, token, later, touch=False) is not None
    with transaction(sessions) as session:
        assert find_session(session, token, now + IDLE_TIMEOUT, touch=False) is None


def test_a_session_ends_after_its_maximum_age_even_in_use(sessions) -> None:
    token = logged_in(sessions)
    start = utcnow()
    step = IDLE_TIMEOUT - dt.timedelta(minutes=1)
    moment = start
    while moment + step < start + MAX_AGE:
        moment += step
        assert find(sessions, token, moment)
    # Not idle (last used under 15 minutes before), but too old.
    end = start + MAX_AGE + dt.timedelta(minutes=1)
    assert end - moment < IDLE_TIMEOUT
    assert find(sessions, token, end) is None


def test_logout_and_switching_the_account_off_end_it(sessions) -> None:
    token = logged_in(sessions)
    with transaction(sessions) as session:
        end_session(session, token)
    assert find(sessions, token) is None

    token = None
    with transaction(sessions) as session:
        account = session.scalars(select(Account)).one()
        _, token = start_session(session, account)
    with transaction(sessions) as session:
        session.scalars(select(Account)).one().active = False
    assert find(sessions, token) is None


def test_a_form_needs_the_sessions_own_csrf_token(sessions) -> None:
    token = logged_in(sessions)
    _, csrf = find(sessions, token)
    with transaction(sessions) as session:
        console_session = find_session(session, token)
        assert console_session is not None
        assert csrf_ok(console_session.csrf_token, csrf)
        assert not csrf_ok(console_session.csrf_token, None)
        assert not csrf_ok(console_session.csrf_token, "")
        assert not csrf_ok(console_session.csrf_token, csrf[:-1] + "x")
