"""Who is using the console: the logged-in staff member for a request, and the CSRF check
every form goes through.

Routes take `Staff` (a plain value read in its own short transaction) rather than the ORM
account, so each route opens its own transaction for its work. Every query a route makes is
for `staff.council_id` only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request, status

from sms_gateway.console.sessions import COOKIE, csrf_ok, find_session
from sms_gateway.db import transaction
from sms_gateway.models import Account

MANAGING_ROLES = frozenset({"manager", "admin"})
# Sent by console.js with its live refreshes.
FRAGMENT_HEADER = "x-console-fragment"


class NotLoggedIn(Exception):
    """No live console session: pages send the browser to log in, fragments answer 401."""


@dataclass(frozen=True)
class Staff:
    account_id: str
    council_id: str
    council_name: str
    name: str
    role: str
    csrf: str

    @classmethod
    def of(cls, account: Account, council_name: str = "", csrf: str = "") -> Staff:
        return cls(account.id, account.council_id, council_name, account.name, account.role, csrf)

    @property
    def manages(self) -> bool:
        """Managers and admins reassign anyone's work and read the audit trail."""
        return self.role in MANAGING_ROLES


def current_staff(request: Request) -> Staff:
    with transaction(request.app.state.sessions) as session:
        # A live refresh (console.js) is not the person using the console: it must not keep
        # an unattended session alive.
        console_session = find_session(
            session,
            request.cookies.get(COOKIE),
            touch=not request.headers.get(FRAGMENT_HEADER),
        )
        if console_session is None:
            raise NotLoggedIn()
        account = console_session.account
        council = request.app.state.councils.get(account.council_id)
        return Staff.of(account, council.name, console_session.csrf_token)


LoggedIn = Annotated[Staff, Depends(current_staff)]


def checked_form(staff: LoggedIn, csrf: Annotated[str, Form(max_length=128)] = "") -> Staff:
    """The staff member behind a form, once its CSRF token matches their session's."""
    if not csrf_ok(staff.csrf, csrf):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "This form has expired. Reload the page.")
    return staff


FormBy = Annotated[Staff, Depends(checked_form)]


def managing(staff: LoggedIn) -> Staff:
    if not staff.manages:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "Only managers and admins can see this.")
    return staff


Manager = Annotated[Staff, Depends(managing)]
