"""SMS text: normalise to the GSM-7 alphabet and count segments.

A message that is pure GSM-7 fits 160 characters in one SMS (153 per part when split);
a single character outside it (a curly quote, an emoji) turns the whole message into UCS-2
at 70 (67) characters per part, so a two-part answer silently becomes five. Both the
knowledge validator and the SMS gateway use these functions so they agree on what fits.
"""

from __future__ import annotations

import unicodedata

# GSM 03.38 basic character set.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each costs two septets (escape + character).
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
GSM7 = GSM7_BASIC | GSM7_EXTENDED

# Typographic characters people (and word processors) use, with their plain equivalents.
REPLACEMENTS = {
    "\u2018": "'",  # left single quote
    "\u2019": "'",  # right single quote / apostrophe
    "\u201a": "'",
    "\u201b": "'",
    "\u2032": "'",
    "\u201c": '"',
    "\u201d": '"',
    "\u201e": '"',
    "\u2033": '"',
    "\u00ab": '"',
    "\u00bb": '"',
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2012": "-",
    "\u2015": "-",
    "\u2212": "-",  # minus sign
    "\u2010": "-",
    "\u2011": "-",
    "\u2026": "...",  # ellipsis
    "\u00a0": " ",  # no-break space
    "\u2009": " ",
    "\u202f": " ",
    "\u200b": "",  # zero-width space
    "\u2022": "-",  # bullet
    "\u00b7": "-",
    "\t": " ",
}

SINGLE_SEGMENT = {"gsm7": 160, "ucs2": 70}
MULTI_SEGMENT = {"gsm7": 153, "ucs2": 67}


def normalise(text: str) -> str:
    """Replace typographic characters with GSM-7 ones; accents GSM-7 lacks lose the accent.

    Characters with no GSM-7 equivalent (emoji, most scripts) are kept: the message then
    goes as UCS-2 rather than losing what the person wrote.
    """
    out = []
    for char in text:
        char = REPLACEMENTS.get(char, char)
        if len(char) == 1 and char not in GSM7:
            stripped = "".join(
                c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)
            )
            if stripped and all(c in GSM7_BASIC for c in stripped):
                char = stripped
        out.append(char)
    return "".join(out)


def encoding(text: str) -> str:
    """'gsm7' when every character is in the GSM-7 alphabet, else 'ucs2'."""
    return "gsm7" if all(c in GSM7 for c in text) else "ucs2"


def length_in_units(text: str, kind: str | None = None) -> int:
    """Septets for GSM-7 (extension characters count twice), UTF-16 code units for UCS-2."""
    if (kind or encoding(text)) == "gsm7":
        return sum(2 if c in GSM7_EXTENDED else 1 for c in text)
    return len(text.encode("utf-16-le")) // 2


def segments(text: str) -> int:
    """How many SMS parts the text is sent as."""
    kind = encoding(text)
    units = length_in_units(text, kind)
    if units <= SINGLE_SEGMENT[kind]:
        return 1
    per_part = MULTI_SEGMENT[kind]
    return -(-units // per_part)
