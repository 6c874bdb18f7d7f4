"""Keeping personal data no longer than needed, and erasing one person's data on request.

    python -m sms_gateway.privacy purge [--days N] [--dry-run]
    python -m sms_gateway.privacy erase +447700900123 [--dry-run]

`purge` deletes messages older than RETENTION_DAYS (and the conversations and contacts left
empty), except where a person at the council still needs them: a conversation with an open
escalation or a booked callback is kept whole. A number that opted out keeps its contact
row (the number and the opt-out, nothing else) so the opt-out is still honoured.

`erase` deletes everything held about one phone number: its contact, conversations,
messages, escalations and callbacks, web chats where it was given for a callback, and
(with RASA_TRACKER_DB_URL set) Rasa's record of those conversations.

Both print counts only, never numbers or message text.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine, delete, func, select, text
from sqlalchemy.orm import Session

from sms_gateway.config import Settings
from sms_gateway.db import make_engine, make_session_factory
from sms_gateway.models import (
    Callback,
    Contact,
    Conversation,
    Escalation,
    Message,
    Note,
    WebSession,
    utcnow,
)
from sms_gateway.uk_phone import NotAUKNumber, normalise_uk_phone


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def add(self, what: str, count: int | None) -> None:
        self.counts[what] = self.counts.get(what, 0) + (count or 0)

    def render(self, verb: str) -> str:
        lines = [f"{verb} {count} {what}" for what, count in self.counts.items()]
        return "\n".join(lines + self.notes)


def _protected(session: Session) -> set[str]:
    """Conversations a person at the council is still working on."""
    open_escalations = select(Escalation.conversation_id).where(Escalation.status == "open")
    booked = select(Callback.conversation_id).where(Callback.status == "booked")
    return set(session.scalars(open_escalations)) | set(session.scalars(booked))


def purge(session: Session, cutoff: dt.datetime) -> tuple[Report, list[str]]:
    """Delete what is older than `cutoff`. Returns the report and the ids of conversations
    deleted (Rasa's tracker is purged by date separately)."""
    report = Report()
    keep = _protected(session)
    old_messages = delete(Message).where(
        Message.created_at < cutoff, Message.conversation_id.not_in(keep)
    )
    report.add("messages", session.execute(old_messages).rowcount)
    # Advisers' private notes can hold as much about a young person as their messages.
    old_notes = delete(Note).where(Note.created_at < cutoff, Note.conversation_id.not_in(keep))
    report.add("private notes", session.execute(old_notes).rowcount)

    has_messages = select(Message.conversation_id).distinct()
    has_notes = select(Note.conversation_id).distinct()
    empty_old = list(
        session.scalars(
            select(Conversation.id).where(
                Conversation.last_message_at < cutoff,
                Conversation.id.not_in(keep),
                Conversation.id.not_in(has_messages),
                Conversation.id.not_in(has_notes),
            )
        )
    )
    if empty_old:
        session.execute(delete(Conversation).where(Conversation.id.in_(empty_old)))
    report.add("conversations", len(empty_old))

    expired = delete(WebSession).where(WebSession.expires_at < utcnow())
    report.add("expired web chat sessions", session.execute(expired).rowcount)

    unused = delete(Contact).where(
        Contact.id.not_in(select(Conversation.contact_id)),
        Contact.opted_out_at.is_(None),
    )
    report.add("contacts", session.execute(unused).rowcount)
    return report, empty_old


def normalise_number(raw: str) -> str:
    """E.164 as stored: UK numbers in any usual form, other countries as +<digits>."""
    compact = "".join(raw.split())
    if compact.startswith("+") and not compact.startswith("+44"):
        if not compact[1:].isdigit():
            raise NotAUKNumber("give the number in international form, e.g. +447700900123")
        return compact
    return normalise_uk_phone(raw)


def erase_number(session: Session, phone: str) -> tuple[Report, list[str]]:
    """Delete everything about one number. Returns the report and the conversation ids
    removed (for Rasa's tracker)."""
    report = Report()
    contacts = list(
        session.scalars(select(Contact).where(Contact.channel == "sms", Contact.address == phone))
    )
    conversation_ids = list(
        session.scalars(
            select(Conversation.id).where(Conversation.contact_id.in_([c.id for c in contacts]))
        )
    )
    # Web chats are anonymous until a number is given for a callback: those go too.
    web_ids = set(session.scalars(select(Callback.conversation_id).where(Callback.phone == phone)))
    conversation_ids += sorted(web_ids - set(conversation_ids))
    messages = select(func.count(Message.id)).where(Message.conversation_id.in_(conversation_ids))
    report.add("messages", session.scalar(messages))
    if conversation_ids:
        web_contacts = select(Conversation.contact_id).where(Conversation.id.in_(web_ids))
        web_contact_ids = list(session.scalars(web_contacts))
        session.execute(delete(Conversation).where(Conversation.id.in_(conversation_ids)))
        session.execute(delete(Contact).where(Contact.id.in_(web_contact_ids)))
    for contact in contacts:
        if contact.opted_out:
            report.notes.append(
                "The number had opted out. Twilio keeps blocking texts to it until it texts "
                "START; nothing here records the opt-out any more."
            )
        session.delete(contact)
    report.add("conversations", len(conversation_ids))
    report.add("contacts", len(contacts) + len(web_ids))
    return report, conversation_ids


def _rasa_engine(settings: Settings) -> Engine | None:
    return make_engine(settings.rasa_tracker_db_url) if settings.rasa_tracker_db_url else None


def purge_rasa(settings: Settings, cutoff: dt.datetime, keep: set[str], report: Report) -> None:
    engine = _rasa_engine(settings)
    if engine is None:
        report.notes.append("RASA_TRACKER_DB_URL is not set: Rasa's tracker store was not purged.")
        return
    try:
        with engine.begin() as connection:
            rows = connection.execute(
                text("SELECT DISTINCT sender_id FROM events WHERE timestamp < :cutoff"),
                {"cutoff": cutoff.timestamp()},
            ).scalars()
            senders = [s for s in rows if s not in keep]
            deleted = 0
            for sender in senders:
                deleted += connection.execute(
                    text("DELETE FROM events WHERE sender_id = :s AND timestamp < :cutoff"),
                    {"s": sender, "cutoff": cutoff.timestamp()},
                ).rowcount
        report.add("assistant (Rasa) events", deleted)
    finally:
        engine.dispose()


def erase_rasa(settings: Settings, conversation_ids: Sequence[str], report: Report) -> None:
    engine = _rasa_engine(settings)
    if engine is None:
        report.notes.append(
            "RASA_TRACKER_DB_URL is not set: erase these conversations from Rasa's tracker "
            "store by hand: " + ", ".join(conversation_ids)
        )
        return
    try:
        with engine.begin() as connection:
            deleted = 0
            for sender in conversation_ids:
                deleted += connection.execute(
                    text("DELETE FROM events WHERE sender_id = :s"), {"s": sender}
                ).rowcount
        report.add("assistant (Rasa) events", deleted)
    finally:
        engine.dispose()


def main(argv: Sequence[str] | None = None, settings: Settings | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sms_gateway.privacy", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    purge_cmd = commands.add_parser("purge", help="delete what is older than the retention period")
    purge_cmd.add_argument("--days", type=int, help="override RETENTION_DAYS")
    purge_cmd.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    erase_cmd = commands.add_parser("erase", help="delete everything about one phone number")
    erase_cmd.add_argument("number")
    erase_cmd.add_argument("--dry-run", action="store_true", help="count, delete nothing")
    args = parser.parse_args(argv)
    settings = settings or Settings()

    engine = make_engine(settings.database_url)
    sessions = make_session_factory(engine)
    try:
        if args.command == "purge":
            days = args.days if args.days is not None else settings.retention_days
            if days < 1:
                parser.error("the retention period must be at least one day")
            cutoff = utcnow() - dt.timedelta(days=days)
            with sessions() as session:  # closing without commit rolls a dry run back
                report, _ = purge(session, cutoff)
                keep = _protected(session)
                if not args.dry_run:
                    session.commit()
            if not args.dry_run:
                purge_rasa(settings, cutoff, keep, report)
            print(f"Retention: {days} days (before {cutoff:%Y-%m-%d %H:%M} UTC)")
            print(report.render("would delete" if args.dry_run else "deleted"))
            return 0
        try:
            phone = normalise_number(args.number)
        except NotAUKNumber as error:
            print(str(error), file=sys.stderr)
            return 2
        with sessions() as session:
            report, conversation_ids = erase_number(session, phone)
            if not args.dry_run:
                session.commit()
        if not report.counts.get("contacts"):
            print("Nothing is held about that number.")
            return 0
        if not args.dry_run:
            erase_rasa(settings, conversation_ids, report)
        print(report.render("would delete" if args.dry_run else "deleted"))
        return 0
    finally:
        engine.dispose()


if __name__ == "__main__":
    sys.exit(main())
