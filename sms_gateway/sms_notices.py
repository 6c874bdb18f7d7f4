"""The service's own texts (not the assistant's): first contact, HELP, opt-out and opt-in
confirmations, and the rate-limit notice. Plain GSM-7, each within two segments."""

from __future__ import annotations

from knowledge.model import Council

EMERGENCY = "In danger now? Call 999."


def first_contact(council: Council) -> str:
    # One segment for most council names: every new number gets it.
    return (
        f"This is {council.name}'s care leavers' text service. Messages are kept and the "
        "leaving care team may read them. Text HELP for contacts, STOP to stop."
    )


def help_text(council: Council) -> str:
    return (
        f"{council.name} care leavers' text service. {council.contact_line()} {EMERGENCY} "
        "Text your question any time, or STOP to stop texts."
    )


def opted_out(council: Council) -> str:
    return (
        f"You won't get any more texts from {council.name}'s care leavers' service. "
        "Text START to use it again. Your PA can still call you."
    )


def opted_in(council: Council) -> str:
    return (
        f"You're back on {council.name}'s care leavers' text service. Text your question, "
        "or HELP for contacts."
    )


def slow_down() -> str:
    return (
        "You've sent a lot of texts in a short time, so I'll pause for a few minutes before "
        f"answering more. {EMERGENCY}"
    )


def slow_down_web() -> str:
    return (
        "You've sent a lot of messages in a short time, so I'll pause for a few minutes "
        f"before answering more. {EMERGENCY}"
    )
