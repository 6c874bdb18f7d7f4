"""STOP, START and HELP: the texts a phone network and Twilio treat as commands.

Like Twilio and the carriers, only a message that is the keyword alone counts ("stop" does,
"stop texting me about rent" does not), case and trailing punctuation aside. When a number
uses Twilio's Advanced Opt-Out, Twilio says which keyword it matched in `OptOutType`, and
that is used instead of our own lists.
"""

from __future__ import annotations

import re
from typing import Literal

from sms_gateway.config import Settings

Keyword = Literal["stop", "start", "help"]
_TRIM = re.compile(r"^[\s\"'.!?,]+|[\s\"'.!?,]+$")
_OPT_OUT_TYPES: dict[str, Keyword] = {"STOP": "stop", "START": "start", "HELP": "help"}


def sms_keyword(body: str, opt_out_type: str | None, settings: Settings) -> Keyword | None:
    if opt_out_type:
        return _OPT_OUT_TYPES.get(opt_out_type.strip().upper())
    word = _TRIM.sub("", body).upper()
    if not word or " " in word:
        return None
    for kind in ("stop", "start", "help"):
        if word in settings.keywords(kind):
            return kind  # type: ignore[return-value]
    return None
