"""Console sessions: what a login gives the browser, how a request proves it, and CSRF.

The cookie carries a random token (HttpOnly, SameSite=Strict, Secure over https); the
database keeps only its SHA-256, so a leaked copy of the table logs nobody in. A session ends
after IDLE_TIMEOUT without use, after MAX_AGE in any case, and at logout. Every form carries
the session's CSRF token, compared in constant time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from sqlalchemy import delete
from sqlalchemy.orm import Session

from sms_gateway.models import Account, ConsoleSession, as_utc, utcnow

COOKIE = "console_session"
# A working day, and a quarter of an hour idle: shared office computers are common.
MAX_AGE = dt.timedelta(hours=10)
IDLE_TIMEOUT = dt.timedelta(minutes=15)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_session(session: Session, account: Account) -> tuple[ConsoleSession, str]:
    """A new session for a good login, and the token for the cookie (returned once)."""
    token = secrets.token_urlsafe(32)
    now = utcnow()
    console_session = ConsoleSession(
        id=_digest(token),
        account_id=account.id,
        csrf_token=secrets.token_urlsafe(32),
        created_at=now,
        last_seen_at=now,
        expires_at=now + MAX_AGE,
    )
    session.add(console_session)
    session.flush()
    return console_session, token


def find_session(
    session: Session, token: str | None, now: dt.datetime | None = None, touch: bool = True
) -> ConsoleSession | None:
    """The live session for a cookie's token; None if there is none, it expired, went idle,
    or its account was switched off. `touch` resets the idle clock: the console's own live
    refreshes do not, so a tab left open on a shared computer still times out."""
    if not token:
        return None
    now = now or utcnow()
    console_session = session.get(ConsoleSession, _digest(token))
    if console_session is None:
        return None
    idle_until = as_utc(console_session.last_seen_at) + IDLE_TIMEOUT
    if (
        as_utc(console_session.expires_at) <= now
        or idle_until <= now
        or not console_session.account.active
    ):
        session.delete(console_session)
        return None
    if touch:
        console_session.last_seen_at = now
    return console_session


def end_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(ConsoleSession).where(ConsoleSession.id == _digest(token)))


def csrf_ok(expected: str, submitted: str | None) -> bool:
    """A form's CSRF token against the session's, in constant time."""
    return bool(submitted) and hmac.compare_digest(expected.encode(), (submitted or "").encode())
