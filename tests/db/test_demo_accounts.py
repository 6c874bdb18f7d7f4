"""`make run` seeds demo console staff for each council; a second run keeps their passwords,
so what it prints keeps working."""

from __future__ import annotations

from pathlib import Path

from devtools.demo_accounts import seed
from sms_gateway.accounts import authenticate
from sms_gateway.db import make_engine, make_session_factory, transaction


def test_each_council_gets_an_adviser_who_can_log_in_with_the_printed_password(
    database_url: str, tmp_path: Path
) -> None:
    saved = tmp_path / "demo-logins.json"
    first = seed(database_url, ["lancashire", "northbridge"], saved)
    again = seed(database_url, ["lancashire", "northbridge"], saved)
    assert first == again
    assert {(d.council, d.role) for d in first} >= {
        ("lancashire", "adviser"),
        ("northbridge", "adviser"),
    }
    assert oct(saved.stat().st_mode & 0o777) == "0o600"
    engine = make_engine(database_url)
    try:
        with transaction(make_session_factory(engine)) as session:
            for login in first:
                account = authenticate(session, login.email, login.password).account
                assert account is not None and account.council_id == login.council
    finally:
        engine.dispose()
