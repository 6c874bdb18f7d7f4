"""UK phone numbers as a young person types them, checked and turned into E.164."""

from __future__ import annotations

import re

# Spaces, dashes, dots and brackets people put in numbers: "07700 900-123", "(01632) 960 001".
_PUNCTUATION = re.compile(r"[\s\-.()]")
# 11 digits: mobiles (07), geographic (01, 02) and non-geographic (03); some 01 areas have 10.
_NATIONAL = re.compile(r"0[1237][0-9]{9}|01[0-9]{8}")


class NotAUKNumber(ValueError):
    pass


def normalise_uk_phone(raw: str) -> str:
    """The number in E.164 ("+447700900123"). Raises NotAUKNumber; the message never repeats
    the input, so it is safe to log or return."""
    digits = _PUNCTUATION.sub("", raw)
    if digits.startswith("+44"):
        # "+44 (0)7700 900123" is common: the trunk 0 may follow the country code.
        digits = "0" + digits[3:].removeprefix("0")
    if not _NATIONAL.fullmatch(digits):
        raise NotAUKNumber("not a UK phone number: give 11 digits starting 07, 01, 02 or 03")
    return "+44" + digits[1:]
