"""When a young person wants a callback, fitted to the team's office hours.

Most cases run on Wednesday 25 November 2026 at 10:20 (so "now" rounds up to 10:30).
"""

from __future__ import annotations

import datetime as dt

import pytest

from actions.callback_time import (
    LONDON,
    CallbackWindow,
    NotUnderstood,
    OutOfHours,
    TimeAnswer,
    describe_window,
    parse_callback_time,
)
from knowledge.model import OpeningHours

NINE_TO_FIVE = OpeningHours({day: (dt.time(9), dt.time(17)) for day in range(5)})
# Mon-Thu 8:30am-6pm, Fri 8:30am-4:30pm.
LONG_DAYS = OpeningHours(
    {
        **{day: (dt.time(8, 30), dt.time(18)) for day in range(4)},
        4: (dt.time(8, 30), dt.time(16, 30)),
    }
)
WITH_SATURDAY = OpeningHours({**NINE_TO_FIVE.days, 5: (dt.time(10), dt.time(14))})
TUESDAY_TO_FRIDAY = OpeningHours({day: (dt.time(9), dt.time(17)) for day in range(1, 5)})

NINE_TO_FIVE_TEXT = "Mon-Fri 9am-5pm"
LONG_DAYS_TEXT = "Mon-Thu 8:30am-6pm, Fri 8:30am-4:30pm"


def at(day: int, hour: int, minute: int = 0, month: int = 11, year: int = 2026) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=LONDON)


def window(day: int, start: str, end: str, month: int = 11) -> CallbackWindow:
    """A window on one day of 2026, from "HH:MM" strings."""
    (sh, sm), (eh, em) = (map(int, t.split(":")) for t in (start, end))
    return CallbackWindow(at(day, sh, sm, month), at(day, eh, em, month))


WEDNESDAY = at(25, 10, 20)
MONDAY = at(23, 10, 0)
FRIDAY_LATE = at(27, 16, 45)
SATURDAY = at(28, 11, 0)


def parse(
    text: str, now: dt.datetime = WEDNESDAY, hours: OpeningHours = NINE_TO_FIVE
) -> TimeAnswer:
    return parse_callback_time(text, now, hours)


# Days -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", window(25, "10:30", "17:00")),
        ("Today please", window(25, "10:30", "17:00")),
        ("2day", window(25, "10:30", "17:00")),
        ("tomorrow", window(26, "09:00", "17:00")),
        ("TOMORROW", window(26, "09:00", "17:00")),
        ("tmrw", window(26, "09:00", "17:00")),
        ("tomoz", window(26, "09:00", "17:00")),
        ("2moro", window(26, "09:00", "17:00")),
        ("tomorow", window(26, "09:00", "17:00")),
        ("day after tomorrow", window(27, "09:00", "17:00")),
        ("thurs", window(26, "09:00", "17:00")),
        ("thursday", window(26, "09:00", "17:00")),
        ("fri", window(27, "09:00", "17:00")),
        ("on friday", window(27, "09:00", "17:00")),
        ("this friday", window(27, "09:00", "17:00")),
        ("mon", window(30, "09:00", "17:00")),
        ("Monday", window(30, "09:00", "17:00")),
        ("tues", window(1, "09:00", "17:00", month=12)),
        # Today is Wednesday and most of its hours are ahead: today.
        ("weds", window(25, "10:30", "17:00")),
        ("wednesday", window(25, "10:30", "17:00")),
        ("wensday", window(25, "10:30", "17:00")),
        # "next <day>" is that day in next calendar week (Monday to Sunday).
        ("next tuesday", window(1, "09:00", "17:00", month=12)),
        ("next friday", window(4, "09:00", "17:00", month=12)),
        ("friday next week", window(4, "09:00", "17:00", month=12)),
        ("next week", window(30, "09:00", "17:00")),
        ("nxt wk", window(30, "09:00", "17:00")),
        ("after the weekend", window(30, "09:00", "17:00")),
    ],
)
def test_days(text: str, expected: CallbackWindow) -> None:
    assert parse(text) == expected


def test_next_and_this_weekday_said_on_a_monday() -> None:
    assert parse("tuesday", MONDAY) == window(24, "09:00", "17:00")
    assert parse("this tuesday", MONDAY) == window(24, "09:00", "17:00")
    assert parse("next tuesday", MONDAY) == window(1, "09:00", "17:00", month=12)


def test_todays_weekday_after_its_hours_means_next_week() -> None:
    assert parse("wednesday", at(25, 17, 30)) == window(2, "09:00", "17:00", month=12)


def test_next_week_is_its_first_open_day() -> None:
    assert parse("next week", hours=TUESDAY_TO_FRIDAY) == window(1, "09:00", "17:00", month=12)


SATURDAYS = "The team isn't working on Saturdays. They're open Mon-Fri 9am-5pm."
SUNDAYS = "The team isn't working on Sundays. They're open Mon-Fri 9am-5pm."
WEEKEND = "The team isn't working at the weekend. They're open Mon-Fri 9am-5pm."


@pytest.mark.parametrize(
    ("text", "now", "reason"),
    [
        ("saturday", WEDNESDAY, SATURDAYS),
        ("sat", WEDNESDAY, SATURDAYS),
        ("sunday", WEDNESDAY, SUNDAYS),
        ("the weekend", WEDNESDAY, WEEKEND),
        ("wknd", WEDNESDAY, WEEKEND),
        ("the weekend", SATURDAY, WEEKEND),
        ("tomorrow", FRIDAY_LATE, SATURDAYS),
        ("today", SATURDAY, SATURDAYS),
        ("this morning", SATURDAY, SATURDAYS),
        ("tomorrow", SATURDAY, SUNDAYS),
    ],
)
def test_closed_days(text: str, now: dt.datetime, reason: str) -> None:
    assert parse(text, now) == OutOfHours(reason)


def test_closed_day_reason_names_uneven_hours() -> None:
    assert parse("saturday", hours=LONG_DAYS) == OutOfHours(
        f"The team isn't working on Saturdays. They're open {LONG_DAYS_TEXT}."
    )


def test_the_weekend_when_the_team_works_saturdays() -> None:
    assert parse("the weekend", hours=WITH_SATURDAY) == window(28, "10:00", "14:00")
    assert parse("saturday after 1", hours=WITH_SATURDAY) == window(28, "13:00", "14:00")


# Parts of the day -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "hours", "expected"),
    [
        ("morning", NINE_TO_FIVE, window(25, "10:30", "12:00")),
        ("this morning", NINE_TO_FIVE, window(25, "10:30", "12:00")),
        ("tomorrow morning", NINE_TO_FIVE, window(26, "09:00", "12:00")),
        ("tomorrow morning", LONG_DAYS, window(26, "08:30", "12:00")),
        ("monday morning", NINE_TO_FIVE, window(30, "09:00", "12:00")),
        ("afternoon", NINE_TO_FIVE, window(25, "12:00", "17:00")),
        ("this afternoon", LONG_DAYS, window(25, "12:00", "18:00")),
        ("arvo", NINE_TO_FIVE, window(25, "12:00", "17:00")),
        ("tomoz arvo", NINE_TO_FIVE, window(26, "12:00", "17:00")),
        ("friday afternoon", LONG_DAYS, window(27, "12:00", "16:30")),
        ("lunchtime", NINE_TO_FIVE, window(25, "12:00", "14:00")),
        ("lunch time tomorrow", NINE_TO_FIVE, window(26, "12:00", "14:00")),
        ("at lunch", NINE_TO_FIVE, window(25, "12:00", "14:00")),
        ("after lunch", NINE_TO_FIVE, window(25, "14:00", "17:00")),
        ("before lunch", NINE_TO_FIVE, window(25, "10:30", "12:00")),
        ("evening", LONG_DAYS, window(25, "17:00", "18:00")),
        ("tonight", LONG_DAYS, window(25, "17:00", "18:00")),
        ("end of the day", NINE_TO_FIVE, window(25, "15:30", "17:00")),
        ("end of day", LONG_DAYS, window(25, "16:30", "18:00")),
        ("friday end of the day", LONG_DAYS, window(27, "15:00", "16:30")),
        ("first thing tomorrow", NINE_TO_FIVE, window(26, "09:00", "10:00")),
        ("first thing", NINE_TO_FIVE, window(26, "09:00", "10:00")),  # today's has gone
    ],
)
def test_parts_of_the_day(text: str, hours: OpeningHours, expected: CallbackWindow) -> None:
    assert parse(text, hours=hours) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("tonight", "The evening is after the team finishes (Wednesday 9am-5pm)."),
        ("tomorrow evening", "The evening is after the team finishes (Thursday 9am-5pm)."),
        ("evening", f"The evening is after the team finishes ({NINE_TO_FIVE_TEXT})."),
    ],
)
def test_evenings_are_usually_out_of_hours(text: str, reason: str) -> None:
    assert parse(text) == OutOfHours(reason)


def test_a_part_of_the_day_nearly_over_stretches_to_half_an_hour() -> None:
    assert parse("this morning", at(25, 11, 40)) == window(25, "11:45", "12:15")


# Clock times ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("after 3", window(25, "15:00", "17:00")),
        ("after 3pm", window(25, "15:00", "17:00")),
        ("after 15:00", window(25, "15:00", "17:00")),
        ("after three", window(25, "15:00", "17:00")),
        ("not before 3", window(25, "15:00", "17:00")),
        ("not till 3", window(25, "15:00", "17:00")),
        ("I'm at college till 3", window(25, "15:00", "17:00")),
        ("busy until 3", window(25, "15:00", "17:00")),
        ("from 2", window(25, "14:00", "17:00")),
        ("before 11", window(25, "10:30", "11:00")),
        ("b4 12", window(25, "10:30", "12:00")),
        ("by 1pm", window(25, "10:30", "13:00")),
        ("at 2", window(25, "14:00", "15:00")),
        ("2pm", window(25, "14:00", "15:00")),
        ("2 pm", window(25, "14:00", "15:00")),
        ("2 p.m.", window(25, "14:00", "15:00")),
        ("@2", window(25, "14:00", "15:00")),
        ("at 11", window(25, "11:00", "12:00")),
        ("at 12", window(25, "12:00", "13:00")),
        ("noon", window(25, "12:00", "13:00")),
        ("midday", window(25, "12:00", "13:00")),
        ("2:30", window(25, "14:30", "15:30")),
        ("2.30", window(25, "14:30", "15:30")),
        ("14:30", window(25, "14:30", "15:30")),
        ("half 2", window(25, "14:30", "15:30")),
        ("half two", window(25, "14:30", "15:30")),
        ("half past 2", window(25, "14:30", "15:30")),
        ("quarter past 3", window(25, "15:15", "16:15")),
        ("quarter to 4", window(25, "15:45", "16:45")),
        ("3 o'clock", window(25, "15:00", "16:00")),
        ("3", window(25, "15:00", "16:00")),
        ("around 4", window(25, "15:30", "16:30")),
        ("about 4pm", window(25, "15:30", "16:30")),
        ("4ish", window(25, "15:30", "16:30")),
        ("4-ish", window(25, "15:30", "16:30")),
        ("between 1 and 3", window(25, "13:00", "15:00")),
        ("from 1 to 3", window(25, "13:00", "15:00")),
        ("1-3", window(25, "13:00", "15:00")),
        ("2-4pm", window(25, "14:00", "16:00")),
        ("between 11 and 1", window(25, "11:00", "13:00")),
        ("between 11am and 2pm", window(25, "11:00", "14:00")),
    ],
)
def test_clock_times_today(text: str, expected: CallbackWindow) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow after 8", window(26, "09:00", "17:00")),  # 8 is 8am
        ("tomorrow before 11", window(26, "09:00", "11:00")),
        ("tomorrow 10", window(26, "10:00", "11:00")),
        ("tomorrow at 7", OutOfHours("7pm is after the team finishes (Thursday 9am-5pm).")),
        ("tomorrow 07:30", OutOfHours("7:30am is before the team starts (Thursday 9am-5pm).")),
        ("tomorrow at 7am", OutOfHours("7am is before the team starts (Thursday 9am-5pm).")),
    ],
)
def test_bare_hours_1_to_7_are_pm_and_8_to_11_am(
    text: str, expected: CallbackWindow | OutOfHours
) -> None:
    assert parse(text) == expected


# Any time / as soon as possible ------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "any time",
        "anytime",
        "Any time is fine",
        "whenever",
        "asap",
        "ASAP!",
        "as soon as possible",
        "now",
        "right now please",
        "soon",
    ],
)
def test_soonest_is_the_next_two_hours(text: str) -> None:
    assert parse(text) == window(25, "10:30", "12:30")


@pytest.mark.parametrize(
    ("now", "hours", "expected"),
    [
        (at(25, 7, 50), NINE_TO_FIVE, window(25, "09:00", "11:00")),  # before opening
        (at(25, 16, 20), NINE_TO_FIVE, window(25, "16:30", "17:00")),  # half an hour left
        (at(25, 16, 40), NINE_TO_FIVE, window(26, "09:00", "11:00")),  # too little left
        (FRIDAY_LATE, NINE_TO_FIVE, window(30, "09:00", "11:00")),
        (FRIDAY_LATE, LONG_DAYS, window(30, "08:30", "10:30")),
        (SATURDAY, NINE_TO_FIVE, window(30, "09:00", "11:00")),
    ],
)
def test_asap_outside_hours_is_the_next_opening(
    now: dt.datetime, hours: OpeningHours, expected: CallbackWindow
) -> None:
    assert parse("asap", now, hours) == expected


def test_asap_and_any_time_with_a_day() -> None:
    assert parse("tomorrow asap") == window(26, "09:00", "11:00")
    assert parse("any time tomorrow") == window(26, "09:00", "17:00")
    assert parse("whenever on friday") == window(27, "09:00", "17:00")
    # Named today, a short stretch is still today's.
    assert parse("today asap", at(27, 16, 10), LONG_DAYS) == window(27, "16:15", "16:30")


# Combinations ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow after 3", window(26, "15:00", "17:00")),
        ("tmrw after 3pm", window(26, "15:00", "17:00")),
        ("friday morning", window(27, "09:00", "12:00")),
        ("monday at 2pm", window(30, "14:00", "15:00")),
        ("after 3 on thursday", window(26, "15:00", "17:00")),
        ("thursday around 4", window(26, "15:30", "16:30")),
        ("next tuesday at half 10", window(1, "10:30", "11:30", month=12)),
        ("tomorrow morning at 10", window(26, "10:00", "11:00")),
        ("this morning 11", window(25, "11:00", "12:00")),
        ("tomorrow 10 in the morning", window(26, "10:00", "11:00")),
        ("monday morning after 10", window(30, "10:00", "12:00")),
        ("friday afternoon at 2", window(27, "14:00", "15:00")),
        ("tomorrow between 1 and 3", window(26, "13:00", "15:00")),
        ("any time after 3 tomorrow", window(26, "15:00", "17:00")),
        ("not today, friday", window(27, "09:00", "17:00")),
        ("not now, tomorrow", window(26, "09:00", "17:00")),
        ("cant do mornings, afternoon is fine", window(25, "12:00", "17:00")),
    ],
)
def test_day_and_time_together(text: str, expected: CallbackWindow) -> None:
    assert parse(text) == expected


def test_evening_clock_time_is_pm() -> None:
    assert parse("tonight at half 5", hours=LONG_DAYS) == window(25, "17:30", "18:00")


# No day: today if still ahead, else the next open day ----------------------------------------


@pytest.mark.parametrize(
    ("text", "now", "hours", "expected"),
    [
        ("at 9", WEDNESDAY, NINE_TO_FIVE, window(26, "09:00", "10:00")),
        ("before 10", WEDNESDAY, NINE_TO_FIVE, window(26, "09:00", "10:00")),
        ("at 8", WEDNESDAY, LONG_DAYS, window(26, "08:30", "09:00")),
        ("at 10", FRIDAY_LATE, NINE_TO_FIVE, window(30, "10:00", "11:00")),
        ("morning", FRIDAY_LATE, NINE_TO_FIVE, window(30, "09:00", "12:00")),
        ("at 3", SATURDAY, NINE_TO_FIVE, window(30, "15:00", "16:00")),
        # Friday closes at 4:30pm, Monday at 6pm.
        ("at 5pm", FRIDAY_LATE, LONG_DAYS, window(30, "17:00", "18:00")),
        ("evening", FRIDAY_LATE, LONG_DAYS, window(30, "17:00", "18:00")),
    ],
)
def test_a_time_already_gone_today_moves_to_the_next_open_day(
    text: str, now: dt.datetime, hours: OpeningHours, expected: CallbackWindow
) -> None:
    assert parse(text, now, hours) == expected


# Clipping to the office hours ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tomorrow between 8 and 10", window(26, "09:00", "10:00")),
        ("tomorrow between 4 and 6", window(26, "16:00", "17:00")),
        ("tomorrow around 9", window(26, "09:00", "09:30")),
        ("tomorrow at 8:45", window(26, "09:00", "09:45")),
        # A moment near closing stretches back to half an hour...
        ("tomorrow at 4:45", window(26, "16:30", "17:00")),
        # ...but "after" is a promise: no call before the time they gave.
        ("tomorrow after 4:30", window(26, "16:30", "17:00")),
        ("tomorrow after 4:45", window(26, "16:45", "17:00")),
        # Part of a window already gone today.
        ("between 10 and 12", window(25, "10:30", "12:00")),
        ("at 10:15", window(25, "10:30", "11:15")),
    ],
)
def test_windows_are_clipped_to_office_hours_and_now(text: str, expected: CallbackWindow) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "hours", "reason"),
    [
        ("6pm", NINE_TO_FIVE, f"6pm is after the team finishes ({NINE_TO_FIVE_TEXT})."),
        ("after 6", NINE_TO_FIVE, f"6pm is after the team finishes ({NINE_TO_FIVE_TEXT})."),
        ("18:00", NINE_TO_FIVE, f"6pm is after the team finishes ({NINE_TO_FIVE_TEXT})."),
        ("at 5", NINE_TO_FIVE, f"5pm is when the team finishes ({NINE_TO_FIVE_TEXT})."),
        ("7am", NINE_TO_FIVE, f"7am is before the team starts ({NINE_TO_FIVE_TEXT})."),
        ("between 7 and 9", NINE_TO_FIVE, f"7pm is after the team finishes ({NINE_TO_FIVE_TEXT})."),
        ("today at 6pm", NINE_TO_FIVE, "6pm is after the team finishes (Wednesday 9am-5pm)."),
        ("friday at 6pm", LONG_DAYS, "6pm is after the team finishes (Friday 8:30am-4:30pm)."),
        ("friday at 4:30pm", LONG_DAYS, "4:30pm is when the team finishes (Friday 8:30am-4:30pm)."),
        ("tomorrow before 9", NINE_TO_FIVE, "9am is when the team starts (Thursday 9am-5pm)."),
        ("tomorrow before 8", NINE_TO_FIVE, "8am is before the team starts (Thursday 9am-5pm)."),
        # 6pm is Monday-Thursday's closing time but after Friday's.
        ("6pm", LONG_DAYS, f"6pm is outside the team's hours ({LONG_DAYS_TEXT})."),
        ("at 8", NINE_TO_FIVE, f"8am is before the team starts ({NINE_TO_FIVE_TEXT})."),
    ],
)
def test_times_entirely_outside_hours(text: str, hours: OpeningHours, reason: str) -> None:
    assert parse(text, hours=hours) == OutOfHours(reason)


# Times that have passed ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "now"),
    [
        ("today at 9", WEDNESDAY),
        ("today before 10", WEDNESDAY),
        ("this morning", at(25, 12, 10)),
        ("today at 10:15", at(25, 11, 5)),
        # A weekday that is today, with hours still ahead, means today.
        ("wednesday at 9", WEDNESDAY),
        ("friday morning", FRIDAY_LATE),
    ],
)
def test_past_times_today(text: str, now: dt.datetime) -> None:
    assert parse(text, now) == OutOfHours("That time has already passed today.")


def test_today_after_the_team_has_finished() -> None:
    assert parse("today", at(25, 17, 30)) == OutOfHours(
        "The team has finished for today (Wednesday 9am-5pm)."
    )


@pytest.mark.parametrize(
    ("now", "expected_start"),
    [
        (at(25, 10, 30), at(25, 10, 30)),
        (dt.datetime(2026, 11, 25, 10, 30, 1, tzinfo=LONDON), at(25, 10, 45)),
        (at(25, 10, 31), at(25, 10, 45)),
        (at(25, 10, 59), at(25, 11, 0)),
    ],
)
def test_now_rounds_up_to_the_next_quarter_hour(
    now: dt.datetime, expected_start: dt.datetime
) -> None:
    answer = parse("today", now)
    assert isinstance(answer, CallbackWindow)
    assert answer.start == expected_start


# Not a time at all ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "what is staying put",
        "my housing",
        "",
        "help with money",
        "what happens now?",
        "what happens at 18",
        "I'm 18",
        "12345",
        "07700 900123",
        "how soon can I get my setting up home allowance",
        # A question about something else, even with a day or time in it.
        "my pep meeting is next week, what happens at it",
        "evicted wot now",
        "need someone to talk to tonight, whos open",
        # "now", "soon" and "later" in ordinary sentences.
        "buy now pay later debts",
        "will my pa still support me now im a mum",
        "im 17 and moving out soon and i dont know how to do anything",
        # Habits and amounts, not times.
        "bored all weekend, is there anything free to do",
        "on the sesh every weekend and want to calm it down",
        "i left my apprenticeship after 2 months do i have to pay it back",
        "in 2 hours",  # relative times are not understood (the form asks again)
    ],
)
def test_not_understood(text: str) -> None:
    assert parse(text) == NotUnderstood()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("can you call me now", window(25, "10:30", "12:30")),
        ("i need to talk to someone now", window(25, "10:30", "12:30")),
        ("later", window(25, "10:30", "17:00")),
        ("call me later please", window(25, "10:30", "17:00")),
        ("later today", window(25, "10:30", "17:00")),
        ("how about tomorrow at 3?", window(26, "15:00", "16:00")),
        ("what about after 3", window(25, "15:00", "17:00")),
    ],
)
def test_short_replies_and_suggestions_are_times(text: str, expected: CallbackWindow) -> None:
    assert parse(text) == expected


def test_night_after_a_day_is_the_evening() -> None:
    assert parse("tomorrow night", hours=LONG_DAYS) == window(26, "17:00", "18:00")
    assert parse("friday nite") == OutOfHours(
        "The evening is after the team finishes (Friday 9am-5pm)."
    )


# Time zones ----------------------------------------------------------------------------------

UTC = dt.timezone.utc


def test_now_in_utc_is_read_as_london_time_in_summer() -> None:
    # 09:05 UTC on Friday 23 October 2026 is 10:05 BST.
    now = dt.datetime(2026, 10, 23, 9, 5, tzinfo=UTC)
    answer = parse("asap", now)
    assert answer == window(23, "10:15", "12:15", month=10)
    assert isinstance(answer, CallbackWindow)
    assert answer.start == dt.datetime(2026, 10, 23, 9, 15, tzinfo=UTC)


def test_a_window_after_the_clocks_go_back_is_in_gmt() -> None:
    # Clocks go back at 2am BST on Sunday 25 October 2026.
    now = at(23, 16, 45, month=10)
    answer = parse("monday at 10", now)
    assert answer == window(26, "10:00", "11:00", month=10)
    assert isinstance(answer, CallbackWindow)
    assert answer.start == dt.datetime(2026, 10, 26, 10, 0, tzinfo=UTC)
    assert describe_window(answer, now) == "Monday 26 October between 10am and 11am"


def test_during_the_repeated_hour_tomorrow_is_monday() -> None:
    # 00:30 UTC on 25 October is 1:30am BST, the first of two 1:30ams that night.
    now = dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert parse("tomorrow", now) == window(26, "09:00", "17:00", month=10)


def test_just_before_midnight_tomorrow_is_still_tomorrow() -> None:
    # Rounding 23:50 up reaches Thursday 00:00, but "tomorrow" still counts from Wednesday.
    assert parse("tomorrow", at(25, 23, 50)) == window(26, "09:00", "17:00")
    assert parse("today", at(25, 23, 50)) == OutOfHours(
        "The team has finished for today (Wednesday 9am-5pm)."
    )


def test_naive_now_is_refused() -> None:
    with pytest.raises(ValueError):
        parse_callback_time("tomorrow", dt.datetime(2026, 11, 25, 10, 20), NINE_TO_FIVE)


def test_a_council_without_hours() -> None:
    assert parse("tomorrow", hours=OpeningHours()) == OutOfHours(
        "The team's office hours aren't listed, so a time can't be booked."
    )
    assert parse("my housing", hours=OpeningHours()) == NotUnderstood()


# describe_window -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (window(25, "15:00", "17:00"), "today between 3pm and 5pm"),
        (window(26, "09:00", "12:00"), "tomorrow (Thursday 26 November) between 9am and 12pm"),
        (window(30, "14:00", "15:00"), "Monday 30 November between 2pm and 3pm"),
        (window(27, "14:30", "15:30"), "Friday 27 November between 2:30pm and 3:30pm"),
    ],
)
def test_describe_window(answer: CallbackWindow, expected: str) -> None:
    assert describe_window(answer, WEDNESDAY) == expected


def test_describe_window_names_a_different_year() -> None:
    answer = CallbackWindow(at(4, 9, month=1, year=2027), at(4, 11, month=1, year=2027))
    now = at(30, 10, month=12)
    assert describe_window(answer, now) == "Monday 4 January 2027 between 9am and 11am"


def test_describe_window_of_a_parsed_answer() -> None:
    answer = parse("tomorrow morning")
    assert isinstance(answer, CallbackWindow)
    assert describe_window(answer, WEDNESDAY) == (
        "tomorrow (Thursday 26 November) between 9am and 12pm"
    )
