"""`python -m sms_gateway.queue <council>`: a council's open escalations and booked callbacks,
for staff until the adviser console exists. Prints phone numbers: it is for the team that
calls, on the console only, never for logs."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from knowledge.loader import knowledge_base
from sms_gateway.callbacks import booked_callbacks, number_to_call
from sms_gateway.config import Settings
from sms_gateway.db import make_engine, make_session_factory
from sms_gateway.escalations import open_escalations
from sms_gateway.models import Callback, Escalation, as_utc

LONDON = ZoneInfo("Europe/London")
# Texted STOP: nothing can be sent to them by SMS, not even by an adviser; a call still can.
_OPTED_OUT = "  OPTED OUT OF TEXTS"


def _local(value: dt.datetime, fmt: str = "%a %d %b %H:%M") -> str:
    return as_utc(value).astimezone(LONDON).strftime(fmt)


def _window(callback: Callback) -> str:
    start, end = as_utc(callback.window_start), as_utc(callback.window_end)
    same_day = start.astimezone(LONDON).date() == end.astimezone(LONDON).date()
    return f"{_local(start)}-{_local(end, '%H:%M') if same_day else _local(end)}"


def render(council: str, escalations: Sequence[Escalation], callbacks: Sequence[Callback]) -> str:
    lines = [f"{council}, times in Europe/London", "", f"Open escalations ({len(escalations)})"]
    for escalation in escalations:
        lines.append(
            f"  {'URGENT' if escalation.urgent else '      '}  {_local(escalation.created_at)}"
            f"  {escalation.reason:<16}  conversation {escalation.conversation_id}"
            f"  {escalation.conversation.channel}"
            + (_OPTED_OUT if escalation.conversation.contact.opted_out else "")
        )
    lines += ["", f"Booked callbacks ({len(callbacks)})"]
    for callback in callbacks:
        number = number_to_call(callback) or "no number given"
        lines.append(
            f"  {callback.reference}  {_window(callback)}  call {number}"
            + (_OPTED_OUT if callback.conversation.contact.opted_out else "")
        )
        lines.append(f"             about: {callback.about}")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sms_gateway.queue", description=__doc__)
    parser.add_argument("council", help="council id, as in knowledge/councils (e.g. lancashire)")
    council_id = parser.parse_args(argv).council
    _, councils = knowledge_base()
    if council_id not in councils:
        # A typo must not look like an empty queue.
        known = ", ".join(sorted(councils))
        print(f"unknown council {council_id!r}; known: {known}", file=sys.stderr)
        return 2
    settings = settings or Settings()
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            text = render(
                f"{councils[council_id].name} [{council_id}]",
                open_escalations(session, council_id),
                booked_callbacks(session, council_id),
            )
    finally:
        engine.dispose()
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
