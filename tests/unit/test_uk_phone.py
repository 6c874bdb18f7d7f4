"""UK phone numbers as typed, to E.164."""

from __future__ import annotations

import pytest

from sms_gateway.uk_phone import NotAUKNumber, normalise_uk_phone


@pytest.mark.parametrize(
    ("typed", "e164"),
    [
        ("07700 900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("+44 (0)7700 900-123", "+447700900123"),
        ("(01632) 960 001", "+441632960001"),
        ("020 7946 0018", "+442079460018"),
        ("0300 123 4567", "+443001234567"),
        ("016977 3999", "+44169773999"),  # a 10-digit 01 number
    ],
)
def test_uk_numbers_become_e164(typed: str, e164: str) -> None:
    assert normalise_uk_phone(typed) == e164


@pytest.mark.parametrize(
    "typed",
    [
        "12345",
        "",
        "0800 123 4567",  # freephone: not a number a PA calls a young person on
        "07700 90012",  # too short
        "077009001234",  # too long
        "+33 6 12 34 56 78",
        "07700 9OO123",
        "٠٧٧٠٠٩٠٠١٢٣",  # digits, but not ASCII ones
    ],
)
def test_other_input_is_refused_without_repeating_it(typed: str) -> None:
    with pytest.raises(NotAUKNumber) as refused:
        normalise_uk_phone(typed)
    assert typed not in str(refused.value) or not typed
