"""The crisis reply: the crisis-support article's contacts, framed warmly, and what happens
next. One wording for the service's safeguarding screen and the assistant's risk intent."""

from __future__ import annotations

from knowledge.loader import knowledge_base
from knowledge.model import Council, age_band

CRISIS_TOPIC = "crisis-support"
WARM = "I'm really glad you told me. You don't have to deal with this on your own."
# When the safeguarding classifier, not a phrase, thought the message might be about risk:
# the same contacts, without assuming, and the normal answer follows.
CHECK_IN = "Just checking you're OK. If things are hard right now, you can get help any time."


def crisis_reply(
    found: Council | None, age: int | None, told_team: bool, sure: bool = True
) -> tuple[str, list]:
    """The text (contacts fitted to age) and the article's sources as reply dicts. Not
    `sure`: a gentle check-in rather than assuming the young person disclosed a risk."""
    articles, _ = knowledge_base()
    article = articles[CRISIS_TOPIC]
    variant = article.variant_for(age_band(age))
    contacts = (variant.sms if variant and variant.sms else None) or article.sms
    name = found.name if found else "your council's"
    parts = [WARM if sure else CHECK_IN, contacts]
    if found:
        parts += found.safeguarding.crisis_lines  # the council's own 24-hour lines
    if told_team and not sure:
        parts.append(f"I've asked the {name} leaving care team to check in with you.")
    elif told_team:
        parts.append(f"I've let the {name} leaving care team know, so someone can get in touch.")
    else:
        parts.append("Please also tell your PA or leaving care team.")
    if found and found.safeguarding.duty_team_phone:
        parts.append(f"Duty team: {found.safeguarding.duty_team_phone}.")
    if found and found.out_of_hours_phone:
        parts.append(f"Out of hours: {found.out_of_hours_phone}.")
    return " ".join(parts), [s.as_reply() for s in article.sources]
