"""What the knowledge base holds: articles, their rules and sources, and councils.

Plain dataclasses (no pydantic) because this package is imported by two environments:
our service (Python 3.11+, pydantic 2) and Rasa's action server (Python 3.10, pydantic 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Age bands used by article variants; a young person's age falls in exactly one.
AGE_BANDS = ("16-17", "18-20", "21-24", "25+")

# Situations an answer can depend on besides age.
SITUATIONS = ("in-education", "in-custody", "parent")

# How binding a rule is. The answer's wording must match: a proposal is never a right.
RULE_STATUSES = (
    "law",
    "statutory-guidance",
    "recommended-minimum",
    "council-choice",
    "announced",
    # A national service or scheme anyone eligible can use (a helpline, the Covenant): it
    # exists, but it is not a legal entitlement and can change.
    "service",
)


def age_band(age: int | None) -> str | None:
    """The band an age falls in, or None when unknown or under 16."""
    if age is None or age < 16:
        return None
    if age <= 17:
        return "16-17"
    if age <= 20:
        return "18-20"
    if age <= 24:
        return "21-24"
    return "25+"


@dataclass(frozen=True)
class Source:
    id: str
    title: str
    url: str | None = None
    seed: str | None = None
    lines: str | None = None

    def as_reply(self) -> dict[str, str]:
        """The source as it travels in a reply's metadata."""
        reply = {"id": self.id, "title": self.title}
        if self.url:
            reply["url"] = self.url
        if self.seed:
            reply["seed"] = self.seed + (f" lines {self.lines}" if self.lines else "")
        return reply


@dataclass(frozen=True)
class Rule:
    text: str
    status: str
    sources: tuple[str, ...]
    since: str | None = None


@dataclass(frozen=True)
class Variant:
    """An answer fitted to a condition: an age band, a situation, or both."""

    age: str | None = None
    situation: str | None = None
    sms: str | None = None
    web: str | None = None

    def applies_to(self, band: str | None, situations: frozenset[str]) -> bool:
        if self.age and self.age != band:
            return False
        return not self.situation or self.situation in situations

    @property
    def specificity(self) -> int:
        """Both conditions beat a situation, which beats an age band."""
        return (2 if self.situation else 0) + (1 if self.age else 0)

    @property
    def condition(self) -> str:
        return " and ".join(c for c in (self.age, self.situation) if c)


@dataclass(frozen=True)
class Article:
    id: str
    title: str
    category: str
    last_reviewed: dt.date
    sms: str
    web: str
    rules: tuple[Rule, ...]
    sources: tuple[Source, ...]
    examples: tuple[str, ...]
    related: tuple[str, ...] = ()
    variants: tuple[Variant, ...] = ()
    # True when the answer should end with the council's own contact details.
    council_contacts: bool = False
    # True when the general answer could mislead without the young person's age: the
    # assistant then asks "How old are you?" (once) before answering.
    ask_age: bool = False

    def variant_for(
        self, band: str | None, situations: frozenset[str] = frozenset()
    ) -> Variant | None:
        """The most specific variant that fits what we know, or None for the general answer."""
        fitting = [v for v in self.variants if v.applies_to(band, situations)]
        return max(fitting, key=lambda v: v.specificity, default=None)

    @property
    def statuses(self) -> set[str]:
        return {rule.status for rule in self.rules}


@dataclass(frozen=True)
class LocalOfferItem:
    """What a council adds to (or changes in) one national article."""

    sms: str
    web: str | None = None
    sources: tuple[Source, ...] = ()


# Days as written in council files, in week order (Monday is 0, as in datetime.weekday()).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class OpeningHours:
    """Opening times per weekday, Europe/London local time."""

    # weekday (0 = Monday) -> (opens, closes)
    days: dict[int, tuple[dt.time, dt.time]] = field(default_factory=dict)

    def is_open(self, moment: dt.datetime) -> bool:
        hours = self.days.get(moment.weekday())
        return bool(hours) and hours[0] <= moment.time() < hours[1]

    def describe(self) -> str:
        """Plain words, e.g. "Mon-Thu 9am-5pm, Fri 9am-4:30pm"."""
        groups: list[tuple[list[int], tuple[dt.time, dt.time]]] = []
        for day in sorted(self.days):
            hours = self.days[day]
            if groups and groups[-1][1] == hours and groups[-1][0][-1] == day - 1:
                groups[-1][0].append(day)
            else:
                groups.append(([day], hours))
        parts = []
        for days, (opens, closes) in groups:
            names = [WEEKDAYS[d].capitalize() for d in (days[0], days[-1])]
            label = names[0] if len(days) == 1 else f"{names[0]}-{names[1]}"
            parts.append(f"{label} {clock_text(opens)}-{clock_text(closes)}")
        return ", ".join(parts)


def clock_text(time: dt.time) -> str:
    """How a time reads in a text message: "3pm", "2:30pm", "12pm"."""
    hour = time.hour % 12 or 12
    suffix = "am" if time.hour < 12 else "pm"
    return f"{hour}{suffix}" if not time.minute else f"{hour}:{time.minute:02d}{suffix}"


@dataclass(frozen=True)
class Safeguarding:
    """A council's own additions to the safeguarding screen and the crisis reply."""

    # The children's or leaving care duty team young people at risk can ring in office hours.
    duty_team_phone: str | None = None
    # Local 24-hour lines, each one short line, added after the national crisis contacts.
    crisis_lines: tuple[str, ...] = ()
    # Extra risk phrases by category, in the pattern language of the service's phrases.yml
    # (local place names, local slang).
    phrases: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Council:
    id: str
    name: str
    sms_numbers: tuple[str, ...]
    website: str | None = None
    team_phone: str | None = None
    team_email: str | None = None
    office_hours: OpeningHours = field(default_factory=OpeningHours)
    out_of_hours_phone: str | None = None
    local_offer_url: str | None = None
    # Local offer items by topic id: extra or overriding text for that article.
    local_offer: dict[str, LocalOfferItem] = field(default_factory=dict)
    safeguarding: Safeguarding = field(default_factory=lambda: Safeguarding())
    # Websites that may embed this council's web chat widget ("https://www.example.gov.uk").
    web_chat_origins: tuple[str, ...] = ()

    def contact_line(self) -> str:
        """How to reach the leaving care team, from this file only (never invented)."""
        team = [t for t in (self.team_phone, self.team_email) if t]
        parts = []
        if team:
            hours = self.office_hours.describe()
            parts.append(
                f"{self.name} leaving care team: {', '.join(team)}"
                + (f" ({hours})." if hours else ".")
            )
        if self.out_of_hours_phone:
            parts.append(f"Out of hours: {self.out_of_hours_phone}.")
        if not parts:
            where = self.local_offer_url or self.website
            return f"{self.name}'s contact details are in its published local offer" + (
                f": {where}" if where else "."
            )
        return " ".join(parts)
