"""What the knowledge base holds: articles, their rules and sources, and councils.

Plain dataclasses (no pydantic) because this package is imported by two environments:
our service (Python 3.11+, pydantic 2) and Rasa's action server (Python 3.10, pydantic 1).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

# Age bands used by article variants; a young person's age falls in exactly one.
AGE_BANDS = ("16-17", "18-20", "21-24", "25+")

# How binding a rule is. The answer's wording must match: a proposal is never a right.
RULE_STATUSES = (
    "law",
    "statutory-guidance",
    "recommended-minimum",
    "council-choice",
    "announced",
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
    """An answer fitted to a condition, e.g. the young person's age band."""

    age: str | None = None
    sms: str | None = None
    web: str | None = None


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

    def variant_for(self, band: str | None) -> Variant | None:
        return next((v for v in self.variants if band and v.age == band), None)


@dataclass(frozen=True)
class Council:
    id: str
    name: str
    sms_numbers: tuple[str, ...]
    website: str | None = None
    team_phone: str | None = None
    team_email: str | None = None
    office_hours: str | None = None
    out_of_hours_phone: str | None = None
    local_offer_url: str | None = None
    # Local offer items by topic id: extra or overriding text for that article.
    local_offer: dict[str, str] = field(default_factory=dict)
