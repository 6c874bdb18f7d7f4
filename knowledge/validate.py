"""Check the knowledge base before it reaches a young person.

    python -m knowledge.validate [ARTICLES_DIR] [--councils DIR] [--only ID ...]

Errors (exit status 1): a malformed file, a missing canonical topic, an answer too long for
two SMS, wording that does not match a rule's status, a superseded statement in any rendered
answer, an example question used twice. Warnings (reported, exit 0): reviews older than
12 months. `make test` runs this over the shipped knowledge base.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import yaml

from knowledge.loader import (
    ARTICLES_DIR,
    COUNCILS_DIR,
    KNOWLEDGE_DIR,
    KnowledgeError,
    load_file,
    parse_article,
    parse_council,
)
from knowledge.model import SITUATIONS, Article, Council, age_band
from knowledge.render import MORE_PROMPT, Profile, render
from knowledge.sms_text import encoding, normalise, segments

TOPICS_FILE = KNOWLEDGE_DIR / "topics.yml"
SUPERSEDED_FILE = KNOWLEDGE_DIR / "superseded.yml"
# The published evaluation questions (beside the repo); examples must not copy them.
EVAL_FILE = KNOWLEDGE_DIR.parent.parent / "shared" / "eval" / "dev-questions.yml"

MIN_EXAMPLES = 12
SMS_MAX_SEGMENTS = 2  # the short answer plus "Reply MORE for details."
SMS_WITH_LOCAL_MAX_SEGMENTS = 3  # plus the council's one-line local offer
LOCAL_SMS_MAX_CHARS = 160
WEB_WORDS = (70, 220)  # "about 80-200 words", with a little slack
REVIEW_MAX_AGE = dt.timedelta(days=365)

# Words that must appear in the web answer when a rule has this status, so that a proposal
# is never worded as a right and a council's choice always points to the local offer.
STATUS_WORDING = {
    "announced": r"announced|not (yet )?in force|not in force yet|not started yet|not confirmed",
    "recommended-minimum": r"recommend",
    "council-choice": r"local offer",
}


@dataclass(frozen=True)
class Finding:
    level: str  # "error" or "warning"
    where: str
    message: str

    def __str__(self) -> str:
        return f"{self.level.upper():7} {self.where}: {self.message}"


@dataclass(frozen=True)
class Superseded:
    id: str
    why: str
    pattern: re.Pattern[str]
    unless: re.Pattern[str] | None
    # Age bands for which the statement is true (e.g. Childline for 16-17 year olds).
    true_for: frozenset[str] = frozenset()

    def matches(self, text: str, band: str | None = None) -> str | None:
        """The first sentence of `text` that makes this outdated claim, if any."""
        if band in self.true_for:
            return None
        for sentence in re.split(r"(?<=[.!?])\s+|\n+", text):
            if self.pattern.search(sentence) and not (self.unless and self.unless.search(sentence)):
                return sentence
        return None


def load_superseded(path: Path = SUPERSEDED_FILE) -> list[Superseded]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Superseded(
            id=s["id"],
            why=s["why"],
            pattern=re.compile(s["pattern"], re.IGNORECASE),
            unless=re.compile(s["unless"], re.IGNORECASE) if s.get("unless") else None,
            true_for=frozenset(s.get("true_for") or ()),
        )
        for s in data["statements"]
    ]


def canonical_topics(path: Path = TOPICS_FILE) -> list[str]:
    return list(yaml.safe_load(path.read_text(encoding="utf-8"))["topics"])


def example_key(text: str) -> str:
    """Examples that differ only in case, spacing or punctuation count as the same."""
    return " ".join(re.sub(r"[^a-z0-9£ ]+", " ", text.lower()).split())


def eval_questions(path: Path = EVAL_FILE) -> set[str]:
    if not path.exists():
        return set()
    cases = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    return {example_key(m) for case in cases for m in case.get("messages", [])}


def _load(directory: Path, parse, findings: list[Finding]) -> dict:
    """Like the loader, but a broken file is reported and the others are still checked."""
    loaded = {}
    for path in sorted(directory.glob("*.yml")):
        try:
            loaded[path.stem] = load_file(path, parse)
        # KeyError/TypeError: a field of the wrong shape, e.g. a rule written as plain text.
        except (KnowledgeError, KeyError, TypeError) as exc:
            findings.append(Finding("error", path.name, str(exc)))
    return loaded


def profiles(article: Article) -> Iterator[Profile]:
    """One profile per condition an answer can depend on, plus 'nothing known'."""
    yield Profile()
    for band_age in (16, 19, 22, 25):
        yield Profile(age=band_age)
    for situation in SITUATIONS:
        yield Profile(situations=frozenset({situation}))
    for variant in article.variants:
        if variant.age and variant.situation:
            age = int(variant.age.split("-")[0].rstrip("+"))
            yield Profile(age=age, situations=frozenset({variant.situation}))


def describe(profile: Profile) -> str:
    known = [f"age {profile.age}"] if profile.age is not None else []
    known += sorted(profile.situations)
    return ", ".join(known) or "nothing known"


def check_sms(where: str, text: str, limit: int) -> Iterator[Finding]:
    sent = normalise(text)
    if encoding(sent) != "gsm7":
        odd = sorted({c for c in sent if encoding(c) != "gsm7"})
        yield Finding("error", where, f"characters outside GSM-7 make it a UCS-2 SMS: {odd}")
    parts = segments(sent)
    if parts > limit:
        yield Finding(
            "error", where, f"{len(sent)} characters is {parts} SMS segments (at most {limit})"
        )


def check_article(article: Article, where: str, today: dt.date) -> Iterator[Finding]:
    shorts = [("sms", article.sms)] + [
        (f"variant {v.condition} sms", v.sms) for v in article.variants if v.sms
    ]
    fulls = [("web", article.web)] + [
        (f"variant {v.condition} web", v.web) for v in article.variants if v.web
    ]
    for label, sms in shorts:
        yield from check_sms(f"{where} {label}", f"{sms} {MORE_PROMPT}", SMS_MAX_SEGMENTS)
        if len(normalise(sms)) > 320:
            yield Finding("error", f"{where} {label}", "short answer is over 320 characters")
    for label, web in fulls:
        words = len(web.split())
        if not WEB_WORDS[0] <= words <= WEB_WORDS[1]:
            yield Finding(
                "error", f"{where} {label}", f"{words} words (want {WEB_WORDS[0]}-{WEB_WORDS[1]})"
            )
        for status in sorted(article.statuses & set(STATUS_WORDING)):
            if not re.search(STATUS_WORDING[status], web, re.IGNORECASE):
                yield Finding(
                    "error",
                    f"{where} {label}",
                    f"a rule is '{status}' but the answer never says so "
                    f"(expected wording like /{STATUS_WORDING[status]}/)",
                )
    yield from check_amounts(article, where, [t for _, t in shorts + fulls])
    if len(article.examples) < MIN_EXAMPLES:
        yield Finding("error", where, f"{len(article.examples)} examples (at least {MIN_EXAMPLES})")
    if today - article.last_reviewed > REVIEW_MAX_AGE:
        yield Finding(
            "warning", where, f"last reviewed {article.last_reviewed}: over 12 months ago"
        )
    if article.last_reviewed > today:
        yield Finding("error", where, f"last_reviewed {article.last_reviewed} is in the future")


AMOUNT = re.compile(r"£\s?(\d[\d,]*(?:\.\d\d)?)(k?)", re.IGNORECASE)


def amounts(text: str) -> set[str]:
    """Money amounts in a text, as plain numbers ("£3,000" and "£3k" are both "3000")."""
    found = set()
    for number, thousands in AMOUNT.findall(text):
        value = float(number.replace(",", "")) * (1000 if thousands else 1)
        found.add(f"{value:g}")
    return found


def check_amounts(article: Article, where: str, answers: list[str]) -> Iterator[Finding]:
    """An amount may appear in an answer only if a rule (which cites its sources) states it."""
    sourced = set().union(*(amounts(rule.text) for rule in article.rules))
    for amount in sorted(set().union(*(amounts(text) for text in answers)) - sourced):
        yield Finding(
            "error", where, f"£{amount} appears in an answer but in no rule with a source"
        )


def check_examples(articles: dict[str, Article], published: set[str]) -> Iterator[Finding]:
    seen: dict[str, str] = {}
    for article in articles.values():
        for example in article.examples:
            key = example_key(example)
            if key in published:
                yield Finding(
                    "error", article.id, f"example copies an evaluation question: {example!r}"
                )
            if key in seen:
                yield Finding(
                    "error",
                    article.id,
                    f"example {example!r} is also in {seen[key]}"
                    if seen[key] != article.id
                    else f"example {example!r} appears twice",
                )
            seen[key] = article.id


def check_links(
    articles: dict[str, Article], councils: dict[str, Council], topics: Iterable[str]
) -> Iterator[Finding]:
    known = set(articles) | set(topics)
    for article in articles.values():
        for related in article.related:
            if related not in known:
                yield Finding("error", article.id, f"related topic '{related}' does not exist")
    for council in councils.values():
        for topic, item in council.local_offer.items():
            if topic not in known:
                yield Finding("error", council.id, f"local offer for unknown topic '{topic}'")
            if len(normalise(item.sms)) > LOCAL_SMS_MAX_CHARS:
                yield Finding(
                    "error",
                    f"{council.id} local_offer {topic}",
                    f"sms is {len(normalise(item.sms))} characters (at most {LOCAL_SMS_MAX_CHARS})",
                )


def check_rendered(
    articles: dict[str, Article], councils: dict[str, Council], superseded: list[Superseded]
) -> Iterator[Finding]:
    """Every answer a young person could get: no outdated claims, SMS within budget."""
    for article in articles.values():
        # One finding per outdated sentence, however many renderings contain it.
        outdated: dict[tuple[str, str], list[str]] = {}
        for council in [None, *councils.values()]:
            for profile in profiles(article):
                for channel, full in (("sms", False), ("sms", True), ("web", False)):
                    reply = render(article, council, profile, channel, full=full)
                    where = f"{council.id if council else 'national'}, {channel}"
                    where += f"{' MORE' if full else ''}, {describe(profile)}"
                    for claim in superseded:
                        sentence = claim.matches(reply.text, age_band(profile.age))
                        if sentence:
                            outdated.setdefault((claim.id, sentence), []).append(where)
                    if channel == "sms" and not full and council:
                        yield from check_sms(
                            f"{article.id} ({where})", reply.text, SMS_WITH_LOCAL_MAX_SEGMENTS
                        )
        why = {claim.id: claim.why for claim in superseded}
        for (claim_id, sentence), renderings in outdated.items():
            yield Finding(
                "error",
                article.id,
                f"superseded statement '{claim_id}' ({why[claim_id]}): {sentence!r} "
                f"in {len(renderings)} answer(s), e.g. ({renderings[0]})",
            )


def validate(
    articles_dir: Path = ARTICLES_DIR,
    councils_dir: Path = COUNCILS_DIR,
    *,
    only: set[str] | None = None,
    today: dt.date | None = None,
) -> list[Finding]:
    today = today or dt.date.today()
    findings: list[Finding] = []
    articles: dict[str, Article] = _load(articles_dir, parse_article, findings)
    councils: dict[str, Council] = _load(councils_dir, parse_council, findings)
    topics = canonical_topics()
    if only is None:
        findings += [
            Finding("error", f"{t}.yml", "canonical topic has no article")
            for t in topics
            if t not in articles
        ]
    findings += check_examples(articles, eval_questions())
    findings += check_links(articles, councils, topics)
    checked = {k: a for k, a in articles.items() if only is None or k in only}
    for article in checked.values():
        findings += check_article(article, article.id, today)
    findings += check_rendered(checked, councils, load_superseded())
    if only is not None:
        findings = [f for f in findings if any(t in f.where for t in only)]
    # A set keeps one copy of a finding repeated across profiles that render the same text.
    return sorted(set(findings), key=lambda f: (f.level, f.where, f.message))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("articles", nargs="?", type=Path, default=ARTICLES_DIR)
    parser.add_argument("--councils", type=Path, default=COUNCILS_DIR)
    parser.add_argument("--only", nargs="+", help="check only these article ids")
    args = parser.parse_args(argv)
    findings = validate(args.articles, args.councils, only=set(args.only) if args.only else None)
    for finding in findings:
        print(finding)
    errors = sum(f.level == "error" for f in findings)
    warnings = len(findings) - errors
    checked = len(list(args.articles.glob("*.yml")))
    print(f"knowledge: {checked} articles checked, {errors} error(s), {warnings} warning(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
