"""Client for the Rasa server's REST channel: one user message in, the bot's replies out."""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from dataclasses import dataclass, field
from typing import Any

import aiohttp

logger = logging.getLogger(__name__)


class AssistantUnavailable(Exception):
    """Rasa could not be reached or did not answer properly; the message must be kept."""


@dataclass(frozen=True)
class BotReply:
    text: str
    topic: str | None = None
    sources: list[dict[str, Any]] = field(default_factory=list)
    # Numbered choices ({"number", "title", "reply"}): buttons on the web; by SMS the text
    # already lists them and the young person replies with the number.
    options: list[dict[str, Any]] = field(default_factory=list)
    # What the assistant understood the young person's message as, when it says.
    understood: Understood | None = None


@dataclass(frozen=True)
class Understood:
    intent: str
    confidence: float


def _understood(raw: Any) -> Understood | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("intent"), str):
        return None
    try:
        confidence = float(raw.get("confidence", 0.0))
    except (TypeError, ValueError):
        return None
    return Understood(raw["intent"][:64], min(max(confidence, 0.0), 1.0))


def parse_replies(payload: Any) -> list[BotReply]:
    """Read Rasa's REST output. Our actions and responses send `custom` payloads with
    text, topic and sources; a plain `text` message is accepted too."""
    if not isinstance(payload, list):
        raise AssistantUnavailable("unexpected reply shape from Rasa")
    replies = []
    for item in payload:
        custom = item.get("custom") if isinstance(item, dict) else None
        if isinstance(custom, dict) and custom.get("text"):
            replies.append(
                BotReply(
                    text=str(custom["text"]),
                    topic=custom.get("topic"),
                    sources=_sources(custom.get("sources")),
                    options=_options(custom.get("options")),
                    understood=_understood(custom.get("understood")),
                )
            )
        elif isinstance(item, dict) and item.get("text"):
            replies.append(BotReply(text=str(item["text"])))
    return replies


# What a source may carry to the widget and the console, all strings.
SOURCE_FIELDS = ("id", "title", "url", "seed")


def _sources(raw: Any) -> list[dict[str, str]]:
    """Each well-formed source; others are dropped rather than failing the whole answer.
    A link is kept only if it is http(s): the widget and the console make it clickable."""
    if not isinstance(raw, list):
        return []
    sources = []
    for item in raw:
        if not isinstance(item, dict):
            continue
        source = {k: item[k] for k in SOURCE_FIELDS if isinstance(item.get(k), str)}
        if not source.get("url", "").startswith(("https://", "http://")):
            source.pop("url", None)
        if source.get("id") or source.get("title"):
            sources.append(source)
    return sources


def _options(raw: Any) -> list[dict[str, Any]]:
    """Each well-formed numbered choice; a malformed one is dropped."""
    if not isinstance(raw, list):
        return []
    options = []
    for item in raw:
        if not isinstance(item, dict) or not {"number", "title", "reply"} <= item.keys():
            continue
        try:
            number = int(item["number"])
        except (TypeError, ValueError):
            continue
        options.append({"number": number, "title": str(item["title"]), "reply": str(item["reply"])})
    return options


class AssistantClient:
    """Rasa's REST webhook on one or more Rasa servers (several processes share a PostgreSQL
    tracker store and a Redis lock store, so any of them can take any conversation's turn).
    Requests go round the servers in turn. A server that refuses the connection is skipped
    for the next one; a request that may have reached Rasa is never sent again, because
    Rasa would then log the young person's message twice."""

    def __init__(
        self, base_urls: str | list[str], timeout: float, requests_per_server: int = 8
    ) -> None:
        urls = base_urls.split(",") if isinstance(base_urls, str) else base_urls
        self._servers = [url.strip().rstrip("/") for url in urls if url.strip()]
        if not self._servers:
            raise ValueError("no Rasa server URL given")
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._requests_per_server = requests_per_server
        self._turn = itertools.count()
        self._session: aiohttp.ClientSession | None = None

    def _http(self) -> aiohttp.ClientSession:
        """One connection pool for every server. aiohttp rather than httpx: every reply
        passes here, and it costs a third of the CPU per request. Made on first use, in
        the event loop that uses it (an aiohttp session belongs to one loop).

        At most `requests_per_server` requests at a time go to each Rasa server; the rest
        wait here, first come first served. Rasa answers one message at a time, so more
        in flight only queue inside it, where the order is not kept: with 50 at once, some
        conversations waited 6 s while most were answered in 1 s."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                timeout=self._timeout,
                connector=aiohttp.TCPConnector(limit_per_host=self._requests_per_server),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _in_turn(self) -> list[str]:
        first = next(self._turn) % len(self._servers)
        return self._servers[first:] + self._servers[:first]

    async def ask(
        self, conversation_id: str, text: str, metadata: dict[str, Any]
    ) -> list[BotReply]:
        body = {"sender": conversation_id, "message": text, "metadata": metadata}
        for server in self._in_turn():
            try:
                async with self._http().post(
                    f"{server}/webhooks/rest/webhook", json=body
                ) as answer:
                    answer.raise_for_status()
                    replies = parse_replies(json.loads(await answer.read()))
            except aiohttp.ClientConnectorError:
                # Nothing reached this server (it is down or restarting): try the next.
                logger.warning("a Rasa server refused the connection; trying the next")
                continue
            except (aiohttp.ClientError, TimeoutError, ValueError) as error:
                # The error type only: the message text never goes to the logs.
                logger.warning("assistant unavailable: %s", type(error).__name__)
                raise AssistantUnavailable(type(error).__name__) from error
            if not replies:
                # Rasa swallows action-server failures and answers 200 with nothing: treat an
                # empty answer as the assistant being down, so the message is retried.
                raise AssistantUnavailable("empty reply")
            return replies
        logger.warning("assistant unavailable: no Rasa server accepted the connection")
        raise AssistantUnavailable("ConnectError")

    async def is_ready(self) -> bool:
        """True when at least one Rasa server answers."""
        for server in self._servers:
            if await self._answers(server):
                return True
        return False

    async def servers_ready(self) -> list[bool]:
        """Whether each Rasa server answers, in RASA_URL's order (for /ready)."""
        return list(await asyncio.gather(*(self._answers(server) for server in self._servers)))

    async def _answers(self, server: str) -> bool:
        """Rasa serves "/" only once its model is loaded, so an answer means it can reply."""
        try:
            async with self._http().get(
                f"{server}/", timeout=aiohttp.ClientTimeout(total=2.0)
            ) as answer:
                await answer.read()
                return answer.status == 200
        except (aiohttp.ClientError, TimeoutError):
            return False
