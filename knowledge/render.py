"""Turn an article into the reply a young person sees, fitted to council, age and channel."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.model import Article, Council, age_band
from knowledge.sms_text import normalise

CHANNELS = ("sms", "web")
MORE_PROMPT = "Reply MORE for details."


@dataclass(frozen=True)
class Profile:
    """What we know about the young person; every field may be unknown."""

    age: int | None = None
    # e.g. {"in-education", "parent"}; see knowledge.model.SITUATIONS
    situations: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reply:
    text: str
    topic: str
    sources: list[dict[str, str]] = field(default_factory=list)
    # True when a fuller answer exists than the one sent (SMS short answers).
    has_more: bool = False

    def as_payload(self) -> dict[str, object]:
        """The reply as it travels from the action server to the service."""
        return {
            "text": self.text,
            "topic": self.topic,
            "sources": self.sources,
            "has_more": self.has_more,
        }


def render(
    article: Article,
    council: Council | None,
    profile: Profile,
    channel: str,
    *,
    full: bool = False,
) -> Reply:
    """The one place an answer is put together.

    `full` asks for the web-length answer on SMS too (the young person replied MORE).
    """
    if channel not in CHANNELS:
        raise ValueError(f"unknown channel {channel!r}")
    variant = article.variant_for(age_band(profile.age), profile.situations)
    short = channel == "sms" and not full
    if short:
        body = (variant.sms if variant and variant.sms else None) or article.sms
    else:
        body = (variant.web if variant and variant.web else None) or article.web

    parts = [body, *_local_parts(article, council, short=short)]
    has_more = short and article.web != body
    if has_more:
        parts.append(MORE_PROMPT)
    text = ("\n\n" if not short else " ").join(parts)
    return Reply(
        text=normalise(text) if channel == "sms" else text,
        topic=article.id,
        sources=_sources(article, council),
        has_more=has_more,
    )


def _local_parts(article: Article, council: Council | None, *, short: bool) -> list[str]:
    """The council's contacts and own offer on this topic, or where to look for its offer."""
    if council is None:
        return []
    item = council.local_offer.get(article.id)
    if article.council_contacts:
        # By SMS the contacts are what matters now; the local detail comes with MORE.
        local = [] if short or not item else [_local_line(council, item.web or item.sms)]
        return [council.contact_line(), *local]
    if item:
        return [_local_line(council, item.sms if short else (item.web or item.sms))]
    if "council-choice" in article.statuses and council.local_offer_url and not short:
        return [f"See {council.name}'s local offer: {council.local_offer_url}"]
    return []


def _local_line(council: Council, text: str) -> str:
    return f"In {council.name}: {text}"


def _sources(article: Article, council: Council | None) -> list[dict[str, str]]:
    sources = [s.as_reply() for s in article.sources]
    if council is None:
        return sources
    item = council.local_offer.get(article.id)
    if item:
        sources += [s.as_reply() for s in item.sources]
    if (item or "council-choice" in article.statuses) and council.local_offer_url:
        sources.append(
            {
                "id": f"{council.id}-local-offer",
                "title": f"{council.name} local offer for care leavers",
                "url": council.local_offer_url,
            }
        )
    return sources
