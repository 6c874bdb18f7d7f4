"""What a young person's words mean as a callback time: which day, and when in it.

Only language lives here (typos, "half 2", "arvo", which "3" means 3pm); callback_time.py fits
the result to a council's office hours and to the current time.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, replace

from knowledge.model import clock_text

# Day kinds: "today", "tomorrow", "day_after", "weekday" (the coming one), "next_weekday"
# (that day in next calendar week), "next_week", "weekend".
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DayWords:
    """The day (or days) the young person named."""

    kind: str
    weekday: int | None = None  # 0 = Monday, for the two weekday kinds


@dataclass(frozen=True)
class Ask:
    """When in a day they asked to be called, before office hours and "now" are applied."""

    start: dt.time | None = None  # None: from when the team opens
    end: dt.time | None = None  # None: until the team finishes
    after_opening: dt.timedelta | None = None  # ends this long after opening ("first thing")
    before_closing: dt.timedelta | None = None  # starts this long before closing
    # A moment or loose part of the day ("at 2", "morning"): may stretch to a usable length.
    stretchable: bool = False
    soonest: bool = False  # "asap": the first stretch of what is left (length: callback_time)
    label: str | None = None  # names it in a reason: "6pm", "The evening"
    named: dt.time | None = None  # the clock time they gave, for "5pm is when the team finishes"


@dataclass(frozen=True)
class Request:
    day: DayWords | None  # None: no day named
    ask: Ask


# Spellings folded into one word before anything else is read (whole words only).
_SPELLINGS: tuple[tuple[str, str], ...] = (
    (
        r"tomorrow|tomorow|tommorow|tommorrow|tomorro|tomoro|tmrw|tmrow|tmr|tmw|tomoz|2moro"
        r"|2morro|2morrow|2mrw|2moz",
        "tomorrow",
    ),
    (r"2day|tday", "today"),
    (r"tonite|2nite|2night", "tonight"),
    (r"arvo|aft|afternon|aftanoon|afternoons|aftrnoon", "afternoon"),
    (r"mornin|morn|mornings|moring|mornng", "morning"),
    (r"evenin|evenings|eve", "evening"),
    (r"12 ?noon|noon|midday|mid day", "12pm"),
    (r"after lunch ?time|after lunch", "after 2pm"),
    (r"before lunch ?time|before lunch", "before 12pm"),
    (r"lunch ?time|lunch", "lunchtime"),
    (r"week ?end|wkend|wknd", "weekend"),
    (r"end of (?:the )?day|end of (?:the )?afternoon|eod", "endofday"),
    (r"first thing(?: in the morning)?", "firstthing"),
    (
        r"as soon as (?:possible|poss|you can|u can|they can)|asap|a\.s\.a\.p\.?|straight away"
        r"|right away|urgently|urgent",
        "asap",
    ),
    (r"any ?time|whenever|whenevs|any day|dont mind|do not mind|doesnt matter", "anytime"),
    (r"b4", "before"),
    (r"nxt", "next"),
    (r"wk", "week"),
    (r"not before|not (?:till|til|until)|no earlier than", "after"),
    # "at college till 4" says when they can't talk: call after 4.
    (
        r"(?:busy|working|at work|at college|at school|at uni|in class|in school)"
        r" (?:till|til|until)",
        "after",
    ),
    (r"not after|no later than", "before"),
)
# Hours written as words, 1 to 12.
_NUMBER_WORDS = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)
_WEEKDAYS = (
    r"mon|mondays?|mondy",
    r"tue|tues|tuesdays?|tusday|teusday|tuesdy",
    r"wed|weds|wednes|wednesdays?|wensday|wendsday|wednsday|wedensday|wednesdy",
    r"thu|thur|thurs|thursdays?|thursdy|thrusday|thurday",
    r"fri|fridays?|fridy|firday",
    r"sat|saturdays?|saturdy|satuday",
    r"sun|sundays?|sundy",
)
# A question about something else ("what happens now?") is not a time, even with a day in it
# ("my pep meeting is next week, what happens at it"); "how about 3?" is.
_QUESTION = re.compile(
    r"\b(?:what|whats|wot|wat|how|hows|why|who|whos|where|wheres|which)\b(?! about)"
)
# A habit, not a time to call: "every weekend", "at weekends".
_HABIT = re.compile(r"\b(?:every|all|most|at|on) weekends?\b|\bweekends\b")
# "now", "soon" and "later" are common in ordinary sentences ("buy now pay later debts"), so
# they only count when every other word is about the call itself.
_VAGUE = re.compile(r"\b(?:now|soon|later)\b")
_CALL_WORDS = frozenset(
    word
    for line in (
        "a any anytime as asap be back call can could fine for free good i if im is it its just",
        "me my ok okay on pa please pls plz possible right ring phone sure thanks that thats the",
        "them then they time to today whenever will would x xx yeah yes you now soon later talk",
        "speak chat someone somebody need want with",
    )
    for word in line.split()
)
_NEGATED = re.compile(r"\b(?:not|cant do|cannot do)\s+(?:on\s+|in the\s+|this\s+|the\s+)?\w+")


def _normalise(text: str) -> str:
    words = text.lower()
    words = re.sub(r"['‘’`]", "", words)  # dont, oclock
    words = re.sub(r"[–—]", "-", words).replace("@", " at ")
    words = re.sub(r"\b([ap])\.m\b\.?", r"\1m", words)
    for pattern, canonical in _SPELLINGS:
        words = re.sub(rf"\b(?:{pattern})(?!\w)", canonical, words)
    words = _HABIT.sub(" ", words)
    words = re.sub(rf"\b(tomorrow|{'|'.join(_WEEKDAYS)}) (?:night|nite)\b", r"\1 evening", words)
    # "not today", "cant do mornings": drop the rejected word rather than read it as wanted.
    words = _NEGATED.sub(" ", words)
    for number, word in enumerate(_NUMBER_WORDS, start=1):
        words = re.sub(rf"\b{word}\b", str(number), words)
    words = re.sub(r"\b(\d{1,2}) ?o ?clock\b", r"\1", words)
    words = re.sub(r"\bhalf (?:past )?(\d{1,2})\b", r"\1:30", words)  # "half 2" is 2:30
    words = re.sub(r"\bquarter past (\d{1,2})\b", r"\1:15", words)
    words = re.sub(r"\bquarter to (\d{1,2})\b", lambda m: f"{(int(m[1]) - 2) % 12 + 1}:45", words)
    words = re.sub(r"(?<![\d:.])(\d{1,2}(?:[:.]\d\d)?(?: ?[ap]m)?) ?-? ?ish\b", r"around \1", words)
    return re.sub(r"\s+", " ", words).strip()


# "after 2 months", "by 10 quid": a number of something else.
_NOT_A_TIME = (
    r"(?!\s*(?:months?|weeks?|days?|years?|yrs?|hours?|hrs?|mins?|minutes?|quid|pounds?|kids?"
    r"|children|people|times)\b)"
)


def _time(n: str) -> str:
    """A clock time as a regex with groups h<n>, m<n>, ap<n>; never part of a longer number."""
    return (
        rf"(?<![\d:.£$])(?P<h{n}>\d{{1,2}})(?:[:.](?P<m{n}>[0-5]\d))?"
        rf"\s?(?P<ap{n}>am|pm)?(?![\w:]){_NOT_A_TIME}"
    )


_T, _T1, _T2 = _time(""), _time("1"), _time("2")
_RANGE = re.compile(
    rf"(?:\b(?:between|from)\s+)?{_T1}\s*(?:and|to|till|til|until|-)\s*(?:about\s+)?{_T2}"
)
_AFTER = re.compile(rf"\b(?:after|from|past|later than)\s+(?:about\s+|around\s+)?{_T}")
_BEFORE = re.compile(rf"\b(?:before|by|until|till|til|earlier than)\s+(?:about\s+)?{_T}")
_AROUND = re.compile(rf"\b(?:around|round|about|roughly|approx|approximately|circa)\s+{_T}")
_AT = re.compile(rf"\bat\s+{_T}")
_ANY_TIME = re.compile(_T)
_FILLER = re.compile(r"\b(?:on|in|the|at|please|pls|plz|ok|okay|yes|yeah|maybe|for|is|fine)\b")

_MINUTES_30 = dt.timedelta(minutes=30)


def _resolve(match: re.Match[str], n: str, hint: str | None) -> dt.time | None:
    """The clock time a match means: bare 1-7 are pm, 8-11 am, 12 noon (unless a hint)."""
    hour_text, minute_text, ampm = match[f"h{n}"], match[f"m{n}"], match[f"ap{n}"]
    hour, minute = int(hour_text), int(minute_text or 0)
    if ampm:
        if not 1 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "pm" else 0)
    elif hour > 12 or hour_text.startswith("0"):
        # A 24-hour clock. It needs minutes above 12: "after 18" is an age, not 6pm.
        if hour > 23 or (hour > 12 and minute_text is None):
            return None
    elif hint != "am" and (hint == "pm" or hour <= 7) and hour != 12:
        hour += 12
    return dt.time(hour, minute)


def _is_24h_or_marked(match: re.Match[str], n: str) -> bool:
    return bool(match[f"ap{n}"]) or int(match[f"h{n}"]) > 12 or match[f"h{n}"].startswith("0")


def _shift(time: dt.time, delta: dt.timedelta) -> dt.time:
    """time + delta, kept within the same day."""
    moment = dt.datetime.combine(dt.date(2000, 1, 2), time) + delta
    floor, ceiling = dt.datetime(2000, 1, 2), dt.datetime(2000, 1, 2, 23, 59)
    return min(max(moment, floor), ceiling).time()


def _range(match: re.Match[str], hint: str | None) -> Ask | None:
    start_hint = hint
    # "2-4pm": the pm belongs to both, unless that would put the start after the end.
    if (
        match["ap2"]
        and not _is_24h_or_marked(match, "1")
        and int(match["h1"]) % 12 <= int(match["h2"]) % 12
    ):
        start_hint = "am" if match["ap2"] == "am" else "pm"
    start, end = _resolve(match, "1", start_hint), _resolve(match, "2", hint)
    if start is None or end is None:
        return None
    if end <= start and not _is_24h_or_marked(match, "2") and end.hour < 12:
        end = end.replace(hour=end.hour + 12)  # "between 11 and 1"
    if end <= start:
        return None
    return Ask(start=start, end=end, label=clock_text(start), named=start)


def _clock_ask(words: str, hint: str | None) -> Ask | None:
    """An ask from a clock time in the words, if there is one."""
    match = _RANGE.search(words)
    if match and (ask := _range(match, hint)):
        return ask
    for pattern in (_AFTER, _BEFORE, _AROUND, _AT):
        match = pattern.search(words)
        if match and (time := _resolve(match, "", hint)):
            label = clock_text(time)
            if pattern is _AFTER:
                return Ask(start=time, label=label, named=time)
            if pattern is _BEFORE:
                return Ask(end=time, label=label, named=time)
            if pattern is _AROUND:  # an hour centred on the time
                start, end = _shift(time, -_MINUTES_30), _shift(time, _MINUTES_30)
                return Ask(start=start, end=end, stretchable=True, label=label, named=time)
            return _at(time)
    for match in _ANY_TIME.finditer(words):  # "2pm", "14:30": marked as a time
        if (match["ap"] or match["m"]) and (time := _resolve(match, "", hint)):
            return _at(time)
    return None


def _at(time: dt.time) -> Ask:
    """An hour starting at the time they gave."""
    end = _shift(time, dt.timedelta(hours=1))
    return Ask(start=time, end=end, stretchable=True, label=clock_text(time), named=time)


# Parts of the day: (pattern, ask, am/pm hint for a bare hour with it).
_PARTS: tuple[tuple[str, Ask, str], ...] = (
    (
        "endofday",
        Ask(before_closing=dt.timedelta(minutes=90), stretchable=True, label="The end of the day"),
        "pm",
    ),
    (
        "firstthing",
        Ask(after_opening=dt.timedelta(hours=1), stretchable=True, label="First thing"),
        "am",
    ),
    (
        "lunchtime",
        Ask(start=dt.time(12), end=dt.time(14), stretchable=True, label="Lunchtime"),
        "pm",
    ),
    ("morning", Ask(end=dt.time(12), stretchable=True, label="The morning"), "am"),
    ("afternoon", Ask(start=dt.time(12), stretchable=True, label="The afternoon"), "pm"),
    (
        "evening|tonight",
        Ask(start=dt.time(17), end=dt.time(22), stretchable=True, label="The evening"),
        "pm",
    ),
)


def _part(words: str) -> tuple[Ask, str, re.Match[str]] | None:
    for pattern, ask, hint in _PARTS:
        if match := re.search(rf"\b(?:{pattern})\b", words):
            return ask, hint, match
    return None


def _within(clock_ask: Ask, part: Ask) -> Ask:
    """A clock time inside a part of the day ("morning after 10" is 10am-12pm)."""
    if part.after_opening or part.before_closing:
        return clock_ask
    starts = [t for t in (clock_ask.start, part.start) if t is not None]
    ends = [t for t in (clock_ask.end, part.end) if t is not None]
    start, end = max(starts, default=None), min(ends, default=None)
    if start is not None and end is not None and start >= end:
        return clock_ask  # they contradict each other: the clock is more precise
    return replace(clock_ask, start=start, end=end)


_DAY_PATTERNS: tuple[tuple[str, str], ...] = (
    ("day_after", r"\bday after tomorrow\b"),
    ("tomorrow", r"\btomorrow\b"),
    ("today", r"\b(?:today|tonight|this (?:morning|afternoon|evening))\b"),
    ("next_week", r"\b(?:next week|after (?:the )?weekend)\b"),
    ("weekend", r"\bweekend\b"),
    (
        "weekday",
        r"\b(?:(?P<which>next|this|coming|on)\s+)?(?:"
        + "|".join(f"(?P<d{i}>{alts})" for i, alts in enumerate(_WEEKDAYS))
        + r")\b",
    ),
)


def _day(words: str) -> tuple[DayWords, list[re.Match[str]]] | None:
    """The first day named, and every day match (stripped before reading a bare number)."""
    found = sorted(
        ((match, kind) for kind, pattern in _DAY_PATTERNS for match in re.finditer(pattern, words)),
        key=lambda item: item[0].start(),
    )
    if not found:
        return None
    matches = [match for match, _ in found]
    first_kind = found[0][1]
    weekday = next((match for match, kind in found if kind == "weekday"), None)
    if weekday and first_kind in ("weekday", "next_week"):
        number = next(i for i in range(7) if weekday[f"d{i}"])
        # "next friday" and "friday next week" both mean Friday of next calendar week.
        next_week = weekday["which"] == "next" or any(kind == "next_week" for _, kind in found)
        return DayWords("next_weekday" if next_week else "weekday", number), matches
    return DayWords(first_kind), matches


def read_request(text: str) -> Request | None:
    """The day and time asked for, or None when the words hold no time at all."""
    words = _normalise(text)
    if _QUESTION.search(words):
        return None
    day_found = _day(words)
    day, day_matches = day_found if day_found else (None, [])
    part_found = _part(words)
    hint = part_found[1] if part_found else None
    ask = _clock_ask(words, hint)
    if ask is None:
        ask = _bare_hour(words, day_matches, part_found[2] if part_found else None, hint)
    if ask is not None and part_found:
        ask = _within(ask, part_found[0])
    if ask is None and part_found:
        ask = part_found[0]
    if ask is None and re.search(r"\basap\b", words):
        ask = Ask(soonest=True)
    if ask is None and day is None and (vague := _vague(words)):
        day, ask = vague
    if ask is None and re.search(r"\banytime\b", words):
        # Flexible: with a day, the whole of it; without one, the soonest usable time.
        ask = Ask() if day else Ask(soonest=True)
    if ask is None and day is None:
        return None
    return Request(day, ask or Ask())


def _bare_hour(
    words: str, day_matches: list[re.Match[str]], part: re.Match[str] | None, hint: str | None
) -> Ask | None:
    """A lone number is an hour only when nothing else is said ("3", "tomorrow 10")."""
    blanked = list(words)
    for match in [*day_matches, *([part] if part else [])]:  # spans may overlap: blank them
        blanked[match.start() : match.end()] = " " * (match.end() - match.start())
    rest = re.sub(r"[^\w\s]", " ", _FILLER.sub(" ", "".join(blanked))).strip()
    match = re.fullmatch(_T, rest)
    time = _resolve(match, "", hint) if match else None
    return _at(time) if time else None


def _vague(words: str) -> tuple[DayWords | None, Ask] | None:
    """The soonest time for "now"/"soon", the rest of today for "later", said on their own."""
    found = _VAGUE.search(words)
    if not found or not set(re.findall(r"[a-z]+", words)) <= _CALL_WORDS:
        return None
    if found[0] == "later":
        return DayWords("today"), Ask()
    return None, Ask(soonest=True)
