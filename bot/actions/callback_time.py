"""When a young person wants their PA to call back, fitted to the team's office hours.

`parse_callback_time` turns a reply such as "tomorrow after 3" into a window the PA can act on,
or says plainly why it can't be done. Everything is Europe/London wall time: office hours are
local, and "now" is converted to it first. Decisions:

- Windows start no earlier than now rounded up to the next quarter hour, and are clipped to
  one day's office hours. Under 15 minutes is no window at all.
- "at 2" is 2pm-3pm; "around 4" is 3:30pm-4:30pm. A moment or loose part of the day that
  clipping leaves under 30 minutes is stretched to 30 where the hours (and now) allow.
- "asap", "now", "soon", "any time", "whenever" with no day: the next stretch of office hours
  at least 30 minutes long (from now if open, else the next opening), up to 2 hours.
  "asap" with a day means the first 2 hours of that day; "any time" with a day, all of it.
- A day with no time means all of that day's remaining hours.
- A weekday is the coming one: today if it is that day and some of its hours are ahead.
  "next friday" is Friday of next calendar week (Mon-Sun); "this friday" is the coming one.
- No day, but a time: today if that time is still ahead, else the next open day it fits.
- Reasons name the day's hours when one day was meant, otherwise `hours.describe()`.
- Not understood: a question about something else ("what happens now?", even "my meeting is
  next week, what happens at it"), "now"/"soon"/"later" inside an ordinary sentence, habits
  ("every weekend"), amounts ("after 2 months", "at 18"), and relative times ("in 2 hours").
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from actions.callback_phrases import WEEKDAY_NAMES, Ask, DayWords, read_request
from knowledge.model import OpeningHours, clock_text

LONDON = ZoneInfo("Europe/London")

MIN_WINDOW = dt.timedelta(minutes=15)  # shorter than this is no use to a PA
USABLE_WINDOW = dt.timedelta(minutes=30)  # what a stretched or "asap" window aims for
SOONEST_LENGTH = dt.timedelta(hours=2)  # "asap" and "any time": the first two hours
_QUARTER = 15  # minutes

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


@dataclass(frozen=True)
class CallbackWindow:
    """When the PA should call: aware Europe/London datetimes within one day's hours."""

    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class OutOfHours:
    """A time was understood, but the team can't call then; `reason` is for the young person."""

    reason: str


@dataclass(frozen=True)
class NotUnderstood:
    """No day or time in the message (e.g. an ordinary question)."""


TimeAnswer = CallbackWindow | OutOfHours | NotUnderstood

# Why a day had no window; _reason picks which to tell the young person.
_CLOSED, _EARLY, _LATE, _PAST = "closed", "early", "late", "past"


def parse_callback_time(text: str, now: dt.datetime, hours: OpeningHours) -> TimeAnswer:
    """Understand when someone wants a callback, within `hours`; `now` must be aware."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    request = read_request(text)
    if request is None:
        return NotUnderstood()
    if not hours.days:
        return OutOfHours("The team's office hours aren't listed, so a time can't be booked.")
    local_now = now.astimezone(LONDON).replace(tzinfo=None)
    earliest = _round_up(local_now)
    days, single = _candidate_days(request.day, local_now.date(), earliest, hours)
    # With no day named, "asap" should not land on a sliver at the end of today.
    shortest = USABLE_WINDOW if request.day is None and request.ask.soonest else MIN_WINDOW
    misses: list[tuple[dt.date, str]] = []
    for day in days:
        fitted = _fit(request.ask, day, hours, earliest, shortest)
        if isinstance(fitted, CallbackWindow):
            return fitted
        misses.append((day, fitted))
    return OutOfHours(_reason(request.day, request.ask, misses, hours, single))


def describe_window(window: CallbackWindow, now: dt.datetime) -> str:
    """Plain words for a text: "tomorrow (Friday 21 November) between 9am and 12pm"."""
    start, end = window.start.astimezone(LONDON), window.end.astimezone(LONDON)
    today = now.astimezone(LONDON).date()
    day = start.date()
    if day == today:
        when = "today"
    elif day == today + dt.timedelta(days=1):
        when = f"tomorrow ({_date(day, today)})"
    else:
        when = _date(day, today)
    return f"{when} between {clock_text(start.time())} and {clock_text(end.time())}"


def _date(day: dt.date, today: dt.date) -> str:
    year = f" {day.year}" if day.year != today.year else ""
    return f"{WEEKDAY_NAMES[day.weekday()]} {day.day} {_MONTHS[day.month - 1]}{year}"


def _round_up(moment: dt.datetime) -> dt.datetime:
    """The next quarter hour (or moment itself if it is one): callbacks aren't booked at 10:20."""
    floor = moment.replace(minute=moment.minute - moment.minute % _QUARTER, second=0, microsecond=0)
    return floor if floor == moment else floor + dt.timedelta(minutes=_QUARTER)


def _day_hours(day: dt.date, hours: OpeningHours) -> tuple[dt.datetime, dt.datetime] | None:
    times = hours.days.get(day.weekday())
    if not times:
        return None
    return dt.datetime.combine(day, times[0]), dt.datetime.combine(day, times[1])


def _candidate_days(
    words: DayWords | None, today: dt.date, earliest: dt.datetime, hours: OpeningHours
) -> tuple[list[dt.date], bool]:
    """The days to try in order, and whether they are one named day."""
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    if words is None:
        return [today + dt.timedelta(days=n) for n in range(8)], False
    if words.kind in ("today", "tomorrow", "day_after"):
        offset = ("today", "tomorrow", "day_after").index(words.kind)
        return [today + dt.timedelta(days=offset)], True
    if words.kind == "next_week":
        return [next_monday + dt.timedelta(days=n) for n in range(7)], False
    if words.kind == "weekend":
        if today.weekday() == 6:
            return [today], False
        saturday = today + dt.timedelta(days=5 - today.weekday())
        return [saturday, saturday + dt.timedelta(days=1)], False
    weekday = words.weekday or 0
    if words.kind == "next_weekday":
        return [next_monday + dt.timedelta(days=weekday)], True
    ahead = (weekday - today.weekday()) % 7
    if ahead == 0 and not _hours_left(today, hours, earliest):
        ahead = 7
    return [today + dt.timedelta(days=ahead)], True


def _hours_left(day: dt.date, hours: OpeningHours, earliest: dt.datetime) -> bool:
    opening = _day_hours(day, hours)
    return bool(opening) and opening[1] - max(opening[0], earliest) >= MIN_WINDOW


def _fit(
    ask: Ask, day: dt.date, hours: OpeningHours, earliest: dt.datetime, shortest: dt.timedelta
) -> CallbackWindow | str:
    """The window on this day, or why there isn't one (a miss)."""
    opening = _day_hours(day, hours)
    if opening is None:
        return _CLOSED
    opens, closes = opening
    start, end = _span(ask, day, opens, closes)
    low, high = max(start, opens), min(end, closes)
    # Which side of the hours a request falls on, should it miss them.
    side = _LATE if start + (end - start) / 2 >= closes else _EARLY
    if high - low < MIN_WINDOW:
        return side
    first = max(opens, earliest)
    low = max(low, first)
    if ask.soonest:
        high = min(high, low + SOONEST_LENGTH)
    if high - low < shortest:
        return _PAST if low > max(start, opens) else side
    if ask.stretchable and high - low < USABLE_WINDOW:
        high = min(closes, max(high, low + USABLE_WINDOW))
        low = max(first, min(low, high - USABLE_WINDOW))
    return CallbackWindow(low.replace(tzinfo=LONDON), high.replace(tzinfo=LONDON))


def _span(
    ask: Ask, day: dt.date, opens: dt.datetime, closes: dt.datetime
) -> tuple[dt.datetime, dt.datetime]:
    """What was asked for on this day, before clipping; missing ends are the day's hours."""
    start = dt.datetime.combine(day, ask.start) if ask.start is not None else opens
    end = dt.datetime.combine(day, ask.end) if ask.end is not None else closes
    if ask.after_opening is not None:
        end = opens + ask.after_opening
    if ask.before_closing is not None:
        start = closes - ask.before_closing
    return start, end


def _reason(
    words: DayWords | None,
    ask: Ask,
    misses: list[tuple[dt.date, str]],
    hours: OpeningHours,
    single: bool,
) -> str:
    """One short sentence on why no window fits, naming the hours."""
    week = hours.describe()
    sides = [(day, miss) for day, miss in misses if miss in (_EARLY, _LATE)]
    if sides:
        day, miss = sides[0]
        scope = f"{_day_name(day)} {_day_hours_text(day, hours)}" if single else week
        # The edges of every day it missed: "5pm is when the team finishes" at a 5pm close.
        edges = {hours.days[d.weekday()][1 if m == _LATE else 0] for d, m in sides}
        label = ask.label or "That time"
        if edges == {ask.named}:
            verb = "is when"
        elif ask.named is None or all(
            (ask.named > edge) if miss == _LATE else (ask.named < edge) for edge in edges
        ):
            verb = "is after" if miss == _LATE else "is before"
        else:
            return f"{label} is outside the team's hours ({scope})."
        return f"{label} {verb} the team {'finishes' if miss == _LATE else 'starts'} ({scope})."
    past = [day for day, miss in misses if miss == _PAST]
    if past:
        if ask == Ask():
            today = f"{_day_name(past[0])} {_day_hours_text(past[0], hours)}"
            return f"The team has finished for today ({today})."
        return "That time has already passed today."
    if words is not None and words.kind == "weekend":
        return f"The team isn't working at the weekend. They're open {week}."
    return f"The team isn't working on {_day_name(misses[0][0])}s. They're open {week}."


def _day_name(day: dt.date) -> str:
    return WEEKDAY_NAMES[day.weekday()]


def _day_hours_text(day: dt.date, hours: OpeningHours) -> str:
    opens, closes = hours.days[day.weekday()]
    return f"{clock_text(opens)}-{clock_text(closes)}"
