"""The console's casework on escalated conversations: the inbox folders, claiming and
assigning, notes, resolving. No HTTP here; the pages call these inside their transaction.

Every lookup takes the staff member's council and finds nothing in another council's data,
so a guessed or copied id from elsewhere reads as "not found".
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from sms_gateway.console.auth import Staff
from sms_gateway.models import Account, Conversation, Escalation, Note, utcnow

Folder = Literal["mine", "unassigned", "open", "resolved"]
FOLDERS: tuple[str, ...] = get_args(Folder)
FOLDER_NAMES = {
    "mine": "Mine",
    "unassigned": "Unassigned",
    "open": "All open",
    "resolved": "Resolved",
}
RESOLVED_SHOWN = 100


class NotFound(LookupError):
    """No such thing in the staff member's council (whether or not it exists elsewhere)."""


class AssignedToAnother(Exception):
    """Someone else has this young person; only a manager moves them on."""

    def __init__(self, name: str) -> None:
        super().__init__(f"assigned to {name}")
        self.name = name


@dataclass(frozen=True)
class InboxRow:
    escalation: Escalation
    assignee: str | None  # the adviser's name


def _folder_query(staff: Staff, folder: Folder) -> Select[tuple[Escalation]]:
    query = (
        select(Escalation)
        .join(Conversation, Escalation.conversation_id == Conversation.id)
        .where(Escalation.council_id == staff.council_id)
    )
    if folder == "resolved":
        return query.where(Escalation.status == "resolved")
    query = query.where(Escalation.status == "open")
    if folder == "mine":
        query = query.where(Conversation.assigned_to == staff.account_id)
    elif folder == "unassigned":
        query = query.where(Conversation.assigned_to.is_(None))
    return query


def folder_counts(session: Session, staff: Staff) -> dict[str, int]:
    return {
        folder: session.scalar(
            _folder_query(staff, folder).with_only_columns(func.count(Escalation.id))  # type: ignore[arg-type]
        )
        or 0
        for folder in FOLDERS
    }


def inbox(session: Session, staff: Staff, folder: Folder) -> list[InboxRow]:
    """Open folders: urgent (safeguarding) first, then the longest waiting. Resolved: the
    latest resolved first."""
    query = _folder_query(staff, folder).options(
        joinedload(Escalation.conversation).joinedload(Conversation.contact)
    )
    if folder == "resolved":
        query = query.order_by(Escalation.resolved_at.desc()).limit(RESOLVED_SHOWN)
    else:
        query = query.order_by(Escalation.urgent.desc(), Escalation.created_at, Escalation.id)
    escalations = list(session.scalars(query).unique())
    names = staff_names(session, staff.council_id)
    return [InboxRow(e, names.get(e.conversation.assigned_to or "")) for e in escalations]


def staff_names(session: Session, council_id: str) -> dict[str, str]:
    rows = session.execute(select(Account.id, Account.name).where(Account.council_id == council_id))
    return {account_id: name for account_id, name in rows}


def colleagues(session: Session, staff: Staff) -> list[Account]:
    """Active accounts of the council, to assign work to."""
    return list(
        session.scalars(
            select(Account)
            .where(Account.council_id == staff.council_id, Account.active)
            .order_by(Account.name, Account.email)
        )
    )


def colleague(session: Session, staff: Staff, account_id: str) -> Account:
    account = session.get(Account, account_id)
    if account is None or account.council_id != staff.council_id or not account.active:
        raise NotFound("account")
    return account


def conversation_for(session: Session, staff: Staff, conversation_id: str) -> Conversation:
    conversation = session.get(Conversation, conversation_id)
    if conversation is None or conversation.council_id != staff.council_id:
        raise NotFound("conversation")
    return conversation


def claim(session: Session, staff: Staff, conversation: Conversation) -> None:
    """Make the young person the staff member's own case. Refused if a colleague has them,
    unless the staff member is a manager."""
    assign(session, staff, conversation, staff.account_id)


def assign(session: Session, staff: Staff, conversation: Conversation, account_id: str) -> Account:
    """Give the case to a colleague. Anyone may assign an unassigned case or their own;
    moving a colleague's case is for managers."""
    target = colleague(session, staff, account_id)
    current = conversation.assigned_to
    if current not in (None, staff.account_id, account_id) and not staff.manages:
        raise AssignedToAnother(staff_names(session, staff.council_id).get(current, "a colleague"))
    conversation.assigned_to = target.id
    conversation.assigned_at = utcnow()
    return target


def resolve(session: Session, staff: Staff, conversation: Conversation) -> Escalation | None:
    """Close the open escalation (the caller hands the conversation back if held)."""
    escalation = next((e for e in conversation.escalations if e.status == "open"), None)
    if escalation is not None:
        escalation.status = "resolved"
        escalation.resolved_at = utcnow()
        escalation.resolved_by = staff.account_id
    return escalation


def add_note(session: Session, staff: Staff, conversation: Conversation, text: str) -> Note:
    note = Note(
        conversation_id=conversation.id,
        account_id=staff.account_id,
        author_name=staff.name,
        text=text,
    )
    session.add(note)
    session.flush()
    return note


def notes(session: Session, conversation: Conversation) -> list[Note]:
    return list(
        session.scalars(
            select(Note).where(Note.conversation_id == conversation.id).order_by(Note.id)
        )
    )
