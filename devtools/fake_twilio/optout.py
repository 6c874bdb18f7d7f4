"""Twilio's default opt-out handling on long codes.

A message that is one keyword (any case, surrounding spaces and trailing punctuation ignored)
blocks or unblocks its sender for that council number; "stop please" does nothing. Twilio
still forwards the message to the webhook and texts its own confirmation. HELP/INFO are not
handled here: the service answers HELP itself, so the fake sends no auto-reply for them.
"""

from __future__ import annotations

import string
from typing import Literal

OPT_OUT_KEYWORDS = frozenset(
    {"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"}
)
OPT_IN_KEYWORDS = frozenset({"START", "YES", "UNSTOP"})

OPT_OUT_REPLY = (
    "You have successfully been unsubscribed. You will not receive any more messages from "
    "this number. Reply START to resubscribe."
)
OPT_IN_REPLY = (
    "You have successfully been re-subscribed to messages from this number. "
    "Reply HELP for help. Reply STOP to unsubscribe."
)

Action = Literal["opt-out", "opt-in"]


def keyword_action(body: str) -> Action | None:
    """What Twilio does with this message body: opt out, opt in, or nothing."""
    word = body.strip().rstrip(string.punctuation).strip().upper()
    if word in OPT_OUT_KEYWORDS:
        return "opt-out"
    if word in OPT_IN_KEYWORDS:
        return "opt-in"
    return None


def confirmation(action: Action) -> str:
    return OPT_OUT_REPLY if action == "opt-out" else OPT_IN_REPLY
