"""UK phone numbers as young people type them, for the PA callback form.

Accepted: UK geographic and non-geographic numbers (01, 02, 03) and mobiles (07), written
nationally ("07700 900123", "(01632) 960100", "07700-900-123") or internationally
("+44 7700 900123", "0044 7700 900123", "+44 (0)7700 900123", "447700900123").
Everything else (other countries, 08/09 paid numbers, too short or too long) is None, so
the form asks again.
"""

from __future__ import annotations

import re

# A run of digits and the separators people put between them.
_RUN = re.compile(r"(?<![\w+])(?:\+\s*)?\(?\d[\d\s().\-]*\d")
_INTERNATIONAL_ZERO = re.compile(r"(\+\s*44|\b0044)\s*\(0\)")


def parse_uk_phone(text: str) -> str | None:
    """The first valid UK number in the text, as E.164 ("+447700900123"), else None."""
    text = _INTERNATIONAL_ZERO.sub(r"\1", text)  # "+44 (0)7700": the (0) isn't dialled
    for run in _RUN.finditer(text):
        international = run.group().lstrip("(").startswith("+")
        groups = re.findall(r"\d+", run.group())
        # Trailing groups may be something else ("07700 900123 3pm"); so may leading ones,
        # unless the run starts with a country code, which belongs to the number.
        starts = range(1) if international or groups[0].startswith("00") else range(len(groups))
        for first in starts:
            for last in range(len(groups), first, -1):
                number = _e164("".join(groups[first:last]), international and first == 0)
                if number:
                    return number
    return None


def _e164(digits: str, plus: bool) -> str | None:
    if plus or digits.startswith("00"):
        digits = digits[0 if plus else 2 :]
        if not digits.startswith("44"):
            return None  # another country
        national = digits[2:].removeprefix("0")  # "+44 07700...": a stray trunk zero
    elif digits.startswith("0"):
        national = digits[1:]
    elif digits.startswith("44") and len(digits) in (11, 12):
        national = digits[2:]  # "447700900123": the + left off (no UK number starts 4)
    else:
        return None
    if national[:1] not in ("1", "2", "3", "7"):
        return None
    # 10 digits after the 0, except some 01xxx areas with five-digit local numbers (9). Never
    # the big cities: 011x and 01x1 codes (0113, 0161) always have seven-digit local numbers.
    short_ok = national[0] == "1" and "1" not in national[1:3]
    if len(national) != 10 and not (short_ok and len(national) == 9):
        return None
    return "+44" + national


def mask(e164: str) -> str:
    """The number as "ending 123": enough for the young person to recognise it in a reply.

    Only the last three digits, so a full number is never echoed back in a chat reply. Plain
    ASCII on purpose: a bullet character ("•••") would push an SMS out of GSM-7 encoding.
    """
    digits = re.sub(r"\D", "", e164)
    if len(digits) < 6:
        raise ValueError("not a phone number")
    return f"ending {digits[-3:]}"
