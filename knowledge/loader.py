"""Load and check the knowledge base from its YAML files.

Loading fails loudly on a malformed file: a wrong or missing fact must stop the build,
not reach a young person.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import yaml

from knowledge.model import (
    AGE_BANDS,
    RULE_STATUSES,
    SITUATIONS,
    WEEKDAYS,
    Article,
    Council,
    LocalOfferItem,
    OpeningHours,
    Rule,
    Safeguarding,
    Source,
    Variant,
)

KNOWLEDGE_DIR = Path(__file__).resolve().parent
ARTICLES_DIR = KNOWLEDGE_DIR / "articles"
COUNCILS_DIR = KNOWLEDGE_DIR / "councils"


T = TypeVar("T", Article, Council)


class KnowledgeError(ValueError):
    """A knowledge file is malformed; the message names the file and the field."""


def _require(data: dict[str, Any], key: str, where: str) -> Any:
    value = data.get(key)
    if value in (None, "", [], {}):
        raise KnowledgeError(f"{where}: '{key}' is missing or empty")
    return value


def _text(value: str) -> str:
    """Fold YAML's line-wrapped paragraphs into plain text, keeping paragraph breaks."""
    paragraphs = [" ".join(p.split()) for p in value.split("\n\n")]
    return "\n\n".join(p for p in paragraphs if p)


def _read_yaml(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise KnowledgeError(f"{path.name}: expected a mapping at the top level")
    return data


def _source(raw: dict[str, Any], where: str, default_id: str | None = None) -> Source:
    source = Source(
        id=raw.get("id") or default_id or _require(raw, "id", where),
        title=_require(raw, "title", where),
        url=raw.get("url"),
        seed=raw.get("seed"),
        lines=str(raw["lines"]) if raw.get("lines") is not None else None,
    )
    if not (source.url or source.seed):
        raise KnowledgeError(f"{where}: source '{source.id}' needs a url or a seed file")
    return source


def parse_article(data: dict[str, Any], where: str) -> Article:
    sources = tuple(_source(s, where) for s in _require(data, "sources", where))
    source_ids = {s.id for s in sources}
    if len(source_ids) != len(sources):
        raise KnowledgeError(f"{where}: two sources share an id")

    rules = []
    for raw in _require(data, "rules", where):
        status = _require(raw, "status", where)
        if status not in RULE_STATUSES:
            raise KnowledgeError(f"{where}: rule status '{status}' not one of {RULE_STATUSES}")
        cited = tuple(_require(raw, "sources", where))
        unknown = set(cited) - source_ids
        if unknown:
            raise KnowledgeError(f"{where}: rule cites unknown sources {sorted(unknown)}")
        rules.append(
            Rule(
                text=_text(_require(raw, "text", where)),
                status=status,
                sources=cited,
                since=raw.get("since"),
            )
        )

    variants = []
    for raw in data.get("variants") or []:
        when = raw.get("when") or {}
        band, situation = when.get("age"), when.get("situation")
        if set(when) - {"age", "situation"} or not (band or situation):
            raise KnowledgeError(f"{where}: variant 'when' needs age and/or situation: {when}")
        if band is not None and band not in AGE_BANDS:
            raise KnowledgeError(f"{where}: variant age '{band}' not one of {AGE_BANDS}")
        if situation is not None and situation not in SITUATIONS:
            raise KnowledgeError(
                f"{where}: variant situation '{situation}' not one of {SITUATIONS}"
            )
        if not (raw.get("sms") or raw.get("web")):
            raise KnowledgeError(f"{where}: variant for {when} has no sms or web text")
        variants.append(
            Variant(
                age=band,
                situation=situation,
                sms=_text(raw["sms"]) if raw.get("sms") else None,
                web=_text(raw["web"]) if raw.get("web") else None,
            )
        )

    reviewed = _require(data, "last_reviewed", where)
    if not isinstance(reviewed, dt.date):
        raise KnowledgeError(f"{where}: last_reviewed must be a date (YYYY-MM-DD)")

    return Article(
        id=_require(data, "id", where),
        title=_require(data, "title", where),
        category=_require(data, "category", where),
        last_reviewed=reviewed,
        sms=_text(_require(data, "sms", where)),
        web=_text(_require(data, "web", where)),
        rules=tuple(rules),
        sources=sources,
        examples=tuple(str(e).strip() for e in _require(data, "examples", where)),
        related=tuple(data.get("related") or ()),
        variants=tuple(variants),
        council_contacts=bool(data.get("council_contacts", False)),
        ask_age=_ask_age(data, variants, where),
    )


def _ask_age(data: dict[str, Any], variants: list[Variant], where: str) -> bool:
    ask = bool(data.get("ask_age", False))
    if ask and not any(v.age for v in variants):
        raise KnowledgeError(f"{where}: ask_age needs at least one age variant to answer with")
    return ask


def _opening_hours(raw: Any, where: str) -> OpeningHours:
    """`{mon: "09:00-17:00", ...}`; days not listed are closed."""
    if raw in (None, {}):
        return OpeningHours()
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: office_hours must map days (mon..sun) to 'HH:MM-HH:MM'")
    days = {}
    for day, span in raw.items():
        if day not in WEEKDAYS:
            raise KnowledgeError(f"{where}: office_hours day '{day}' not one of {WEEKDAYS}")
        try:
            opens, closes = (dt.time.fromisoformat(t.strip()) for t in str(span).split("-"))
        except ValueError:
            raise KnowledgeError(
                f"{where}: office_hours {day} '{span}' is not HH:MM-HH:MM"
            ) from None
        if closes <= opens:
            raise KnowledgeError(f"{where}: office_hours {day} closes before it opens")
        days[WEEKDAYS.index(day)] = (opens, closes)
    return OpeningHours(days)


def _local_offer_item(topic: str, raw: Any, where: str) -> LocalOfferItem:
    """A local offer item: plain text (used for SMS and web) or {sms, web, sources}."""
    if isinstance(raw, str):
        return LocalOfferItem(sms=_text(raw))
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: local_offer '{topic}' must be text or a mapping")
    item_where = f"{where}: local_offer '{topic}'"
    return LocalOfferItem(
        sms=_text(_require(raw, "sms", item_where)),
        web=_text(raw["web"]) if raw.get("web") else None,
        sources=tuple(
            _source(s, item_where, default_id=f"{topic}-local-{n}")
            for n, s in enumerate(raw.get("sources") or [], start=1)
        ),
    )


def _safeguarding(raw: Any, where: str) -> Safeguarding:
    if raw is None:
        return Safeguarding()
    if not isinstance(raw, dict):
        raise KnowledgeError(f"{where}: safeguarding must be a mapping")
    lines = raw.get("crisis_lines") or []
    phrases = raw.get("phrases") or {}
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise KnowledgeError(f"{where}: safeguarding crisis_lines must be a list of text")
    if not isinstance(phrases, dict) or not all(
        isinstance(patterns, list) and all(isinstance(p, str) for p in patterns)
        for patterns in phrases.values()
    ):
        raise KnowledgeError(
            f"{where}: safeguarding phrases must map a category to a list of patterns"
        )
    return Safeguarding(
        duty_team_phone=raw.get("duty_team_phone"),
        crisis_lines=tuple(_text(line) for line in lines),
        phrases={category: tuple(patterns) for category, patterns in phrases.items()},
    )


def _origins(raw: Any, where: str) -> tuple[str, ...]:
    """Web origins as browsers send them: scheme and host (and port), nothing else."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        raise KnowledgeError(f"{where}: web_chat_origins must be a list")
    origins = []
    for origin in raw:
        parts = urlsplit(origin) if isinstance(origin, str) else None
        if (
            parts is None
            or parts.scheme not in ("https", "http")
            or not parts.netloc
            or parts.path
            or parts.query
            or parts.fragment
        ):
            raise KnowledgeError(
                f"{where}: web_chat_origins: {origin!r} is not an origin like "
                "https://www.example.gov.uk (no path, no trailing slash)"
            )
        origins.append(origin.lower())
    return tuple(origins)


def parse_council(data: dict[str, Any], where: str) -> Council:
    team = data.get("leaving_care_team") or {}
    return Council(
        id=_require(data, "id", where),
        name=_require(data, "name", where),
        sms_numbers=tuple(_require(data, "sms_numbers", where)),
        website=data.get("website"),
        team_phone=team.get("phone"),
        team_email=team.get("email"),
        office_hours=_opening_hours(team.get("office_hours"), where),
        out_of_hours_phone=data.get("out_of_hours_phone"),
        local_offer_url=data.get("local_offer_url"),
        local_offer={
            topic: _local_offer_item(topic, raw, where)
            for topic, raw in (data.get("local_offer") or {}).items()
        },
        safeguarding=_safeguarding(data.get("safeguarding"), where),
        web_chat_origins=_origins(data.get("web_chat_origins"), where),
    )


def load_file(path: Path, parse: Callable[[dict[str, Any], str], T]) -> T:
    """One article or council file, parsed; its id must be its file name."""
    try:
        item = parse(_read_yaml(path), path.name)
    except yaml.YAMLError as exc:
        raise KnowledgeError(f"{path.name}: not valid YAML: {exc}") from None
    if item.id != path.stem:
        raise KnowledgeError(f"{path.name}: id '{item.id}' must match the file name")
    return item


def _load_directory(directory: Path, parse: Callable[[dict[str, Any], str], T]) -> dict[str, T]:
    """Every YAML file in a folder, parsed."""
    return {path.stem: load_file(path, parse) for path in sorted(directory.glob("*.yml"))}


def load_articles(directory: Path = ARTICLES_DIR) -> dict[str, Article]:
    return _load_directory(directory, parse_article)


def load_councils(directory: Path = COUNCILS_DIR) -> dict[str, Council]:
    return _load_directory(directory, parse_council)


@lru_cache(maxsize=1)
def knowledge_base() -> tuple[dict[str, Article], dict[str, Council]]:
    """The shipped knowledge base, loaded once per process."""
    return load_articles(), load_councils()
