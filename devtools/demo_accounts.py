"""Demo console accounts for `make run`: an adviser and a manager for each council, so the
console can be tried at once. Passwords are random, made on the first run and kept in
var/demo-logins.json (not in git) so each run prints the same ones. Never used in production:
there, admins create accounts with `python -m sms_gateway.accounts create`.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select

from sms_gateway import migrate
from sms_gateway.accounts import create_account, hash_password
from sms_gateway.db import make_engine, make_session_factory, transaction
from sms_gateway.models import Account

# (role, first name) for each council's demo staff.
DEMO_STAFF = (("adviser", "Sam"), ("manager", "Mo"))


@dataclass(frozen=True)
class DemoLogin:
    council: str
    role: str
    name: str
    email: str
    password: str


def _saved(path: Path) -> dict[str, str]:
    try:
        return dict(json.loads(path.read_text()))
    except (OSError, ValueError):
        return {}


def seed(database_url: str, council_ids: list[str], saved_at: Path) -> list[DemoLogin]:
    """Make sure each council has its demo staff with the saved password; return them all."""
    migrate.upgrade(database_url)
    passwords = _saved(saved_at)
    logins = []
    engine = make_engine(database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            for council in council_ids:
                for role, name in DEMO_STAFF:
                    email = f"{role}@{council}.demo.invalid"
                    password = passwords.get(email) or secrets.token_urlsafe(12)
                    account = session.scalars(select(Account).where(Account.email == email)).first()
                    if account is None:
                        create_account(session, council, email, name, role, password)
                    elif email not in passwords:
                        account.password_hash = hash_password(password)
                    passwords[email] = password
                    logins.append(DemoLogin(council, role, name, email, password))
    finally:
        engine.dispose()
    saved_at.parent.mkdir(parents=True, exist_ok=True)
    saved_at.write_text(json.dumps(passwords, indent=2))
    saved_at.chmod(0o600)
    return logins


def describe(logins: list[DemoLogin]) -> str:
    return "\n".join(
        f"    {d.council:<12} {d.role:<8} {d.email:<36} password {d.password}" for d in logins
    )
