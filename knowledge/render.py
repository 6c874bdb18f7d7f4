"""Turn an article into the reply a young person sees, fitted to council, age and channel."""

from __future__ import annotations

from dataclasses import dataclass, field

from knowledge.model import Article, Council, age_band

CHANNELS = ("sms", "web")
MORE_PROMPT = "Reply MORE for details."


@dataclass(frozen=True)
class Profile:
    """What we know about the young person; every field may be unknown."""

    age: int | None = None


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
    variant = article.variant_for(age_band(profile.age))
    short = channel == "sms" and not full
    if short:
        body = (variant.sms if variant and variant.sms else None) or article.sms
    else:
        body = (variant.web if variant and variant.web else None) or article.web

    parts = [body]
    local = council.local_offer.get(article.id) if council else None
    if local:
        parts.append(f"In {council.name}: {local}")
    has_more = short and article.web != body
    if has_more:
        parts.append(MORE_PROMPT)
    return Reply(
        text=("\n\n" if not short else " ").join(parts),
        topic=article.id,
        sources=[s.as_reply() for s in article.sources],
        has_more=has_more,
    )
