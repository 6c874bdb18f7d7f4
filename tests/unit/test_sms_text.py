"""SMS text is normalised to GSM-7 and counted in segments the way networks count them."""

from __future__ import annotations

import pytest

from knowledge.sms_text import encoding, normalise, segments


def test_typographic_punctuation_becomes_plain_gsm7() -> None:
    text = normalise("It\u2019s \u201cStaying Put\u201d \u2013 up to 21\u2026")
    assert text == 'It\'s "Staying Put" - up to 21...'
    assert encoding(text) == "gsm7"


def test_pound_sign_and_gsm_accents_are_kept() -> None:
    assert normalise("£3,000 café") == "£3,000 café"
    assert encoding("£3,000 café") == "gsm7"


def test_accents_gsm7_lacks_lose_the_accent_rather_than_the_letter() -> None:
    assert normalise("Zoë Łódź") == "Zoe Łodz"  # Ł has no plain form: kept (message goes UCS-2)


def test_emoji_is_kept_and_makes_the_message_ucs2() -> None:
    assert normalise("thanks 🙂") == "thanks 🙂"
    assert encoding("thanks 🙂") == "ucs2"


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("[" * 80, 1),  # extension characters count twice
        ("[" * 81, 2),
        ("é" * 160, 1),  # é is in the GSM-7 basic set
        ("ł" * 70, 1),
        ("ł" * 71, 2),
        ("ł" * 134, 2),
        ("ł" * 135, 3),
        ("🙂" * 35, 1),  # an emoji is two UTF-16 units
        ("🙂" * 36, 2),
    ],
)
def test_segments(text: str, parts: int) -> None:
    assert segments(text) == parts
