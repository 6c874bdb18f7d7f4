"""Adviser console accounts: creating them, checking a login, locking out repeated failures.

Passwords are hashed with argon2id (argon2-cffi's defaults, which follow RFC 9106's
recommendation for memory-constrained use); a hash made with older parameters is replaced at the
next good login. An unknown email costs the same hashing work as a wrong password, so a
login's timing does not say which emails have accounts.

`python -m sms_gateway.accounts create --council lancashire --email sam@example.gov.uk
--name Sam --role adviser` creates one (the password is asked for, or read from stdin with
--password-stdin).
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import logging
import sys
from dataclasses import dataclass
from typing import Literal, get_args

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sms_gateway.models import Account, as_utc, utcnow

logger = logging.getLogger(__name__)

Role = Literal["adviser", "manager", "admin"]
ROLES: tuple[str, ...] = get_args(Role)
MIN_PASSWORD_CHARS = 12
# After this many wrong passwords in a row the account is locked for LOCK_FOR.
MAX_FAILED_LOGINS = 5
LOCK_FOR = dt.timedelta(minutes=15)

_hasher = PasswordHasher()
# Verified against when the email is unknown, so both paths take as long.
_DUMMY_HASH = _hasher.hash("not a password anyone has")


class AccountError(ValueError):
    """An account cannot be created as asked (the message says why)."""


@dataclass(frozen=True)
class Login:
    """What a login attempt came to. A refusal is a value, not an exception, so the caller's
    transaction still commits the failure count that leads to a lock-out. A wrong email and a
    wrong password look the same, so emails cannot be probed."""

    account: Account | None
    locked_until: dt.datetime | None = None

    @property
    def ok(self) -> bool:
        return self.account is not None


def hash_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_CHARS} characters")
    return _hasher.hash(password)


def create_account(
    session: Session, council_id: str, email: str, name: str, role: str, password: str
) -> Account:
    email = email.strip().lower()
    if "@" not in email or len(email) > 254:
        raise AccountError("give a valid email address")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if not name.strip():
        raise AccountError("give the name young people will see (a first name)")
    account = Account(
        council_id=council_id,
        email=email,
        name=name.strip(),
        role=role,
        password_hash=hash_password(password),
    )
    try:
        with session.begin_nested():
            session.add(account)
    except IntegrityError:
        raise AccountError("an account with that email exists already") from None
    return account


def authenticate(
    session: Session, email: str, password: str, now: dt.datetime | None = None
) -> Login:
    """The account if the password is right and it is not locked. Counts failures (the
    caller commits), and locks the account after MAX_FAILED_LOGINS in a row."""
    now = now or utcnow()
    # Emails are stored lower-case (create_account), so the unique index answers this.
    account = session.scalars(select(Account).where(Account.email == email.strip().lower())).first()
    if account is None or not account.active:
        _verify(_DUMMY_HASH, password)
        return Login(None)
    if account.locked_until is not None and as_utc(account.locked_until) > now:
        return Login(None, locked_until=as_utc(account.locked_until))
    if not _verify(account.password_hash, password):
        account.failed_logins += 1
        if account.failed_logins >= MAX_FAILED_LOGINS:
            account.locked_until = now + LOCK_FOR
            account.failed_logins = 0
            logger.warning("account %s locked after repeated failed logins", account.id)
            return Login(None, locked_until=account.locked_until)
        return Login(None)
    account.failed_logins = 0
    account.locked_until = None
    account.last_login_at = now
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    return Login(account)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def main(argv: list[str] | None = None) -> int:
    from sms_gateway.config import get_settings
    from sms_gateway.councils import CouncilDirectory, UnknownCouncil
    from sms_gateway.db import make_engine, make_session_factory, transaction
    from sms_gateway.migrate import upgrade

    parser = argparse.ArgumentParser(prog="python -m sms_gateway.accounts")
    commands = parser.add_subparsers(dest="command", required=True)
    create = commands.add_parser("create", help="create an adviser console account")
    create.add_argument("--council", required=True, help="council id (knowledge/councils)")
    create.add_argument("--email", required=True)
    create.add_argument("--name", required=True, help="first name, as young people see it")
    create.add_argument("--role", choices=ROLES, default="adviser")
    create.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin"
    )
    args = parser.parse_args(argv)

    settings = get_settings()
    try:
        CouncilDirectory.load(settings.default_council).get(args.council)
    except UnknownCouncil:
        print(f"No council '{args.council}' in knowledge/councils.", file=sys.stderr)
        return 2
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Again: ") != password:
            print("The passwords differ.", file=sys.stderr)
            return 2
    upgrade(settings.database_url)
    sessions = make_session_factory(make_engine(settings.database_url))
    try:
        with transaction(sessions) as session:
            account = create_account(
                session, args.council, args.email, args.name, args.role, password
            )
            print(f"Created {account.role} account {account.email} for {args.council}.")
    except AccountError as error:
        print(f"Not created: {error}.", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
