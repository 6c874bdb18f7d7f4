"""UK phone numbers typed by young people (Ofcom's drama ranges: never real people)."""

from __future__ import annotations

import pytest

from actions.phone_numbers import mask, parse_uk_phone


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("07700 900123", "+447700900123"),
        ("it's 07700 900123", "+447700900123"),
        ("07700900123", "+447700900123"),
        ("07700-900-123", "+447700900123"),
        ("07700.900.123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("+447700900123", "+447700900123"),
        ("0044 7700 900123", "+447700900123"),
        ("+44 (0)7700 900123", "+447700900123"),
        ("+44 07700 900123", "+447700900123"),
        ("447700900123", "+447700900123"),
        ("(01632) 960100", "+441632960100"),
        ("020 7946 0000", "+442079460000"),
        ("0113 496 0000", "+441134960000"),
        ("0303 123 4567", "+443031234567"),
        ("016977 3456", "+44169773456"),  # a 01xxx area with short local numbers
        ("call me on 07700900123 after 3pm", "+447700900123"),
        ("07700 900123 3pm", "+447700900123"),  # the 3 is a time, not part of the number
        ("at 3 07700 900123", "+447700900123"),
        ("07700 900123 or 07700 900456", "+447700900123"),
        ("My number is 07700 900 123.", "+447700900123"),
    ],
)
def test_finds_and_normalises_uk_numbers(text: str, expected: str) -> None:
    assert parse_uk_phone(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "12345",
        "07700 90012",  # one digit short
        "07700 9001234",  # one digit long
        "0161 496 000",  # Manchester numbers are never short
        "7700 900123",  # the leading 0 left off
        "0800 123 4567",  # freephone: not a number to call someone back on
        "0909 879 0000",  # premium rate
        "0500 123456",
        "+33 6 12 34 56 78",
        "+1 202 555 0123",
        "00353 87 123 4567",
        "+44 800 123 4567",
        "what is staying put",
        "25/11/2026",
    ],
)
def test_rejects_what_is_not_a_uk_number(text: str) -> None:
    assert parse_uk_phone(text) is None


@pytest.mark.parametrize(
    ("number", "expected"),
    [("+447700900123", "ending 123"), ("+441632960100", "ending 100")],
)
def test_mask_shows_only_the_last_three_digits(number: str, expected: str) -> None:
    assert mask(number) == expected


def test_mask_never_contains_the_full_number() -> None:
    masked = mask("+447700900123")
    assert "7700" not in masked and "900" not in masked


def test_mask_refuses_something_that_is_not_a_number() -> None:
    with pytest.raises(ValueError):
        mask("123")
