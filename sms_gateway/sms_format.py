"""Turning a reply into the SMS parts that are actually sent.

Text is normalised to GSM-7 where it can be (a single curly quote would otherwise turn the
whole text into UCS-2, at less than half the characters per part). A reply that fits in
`max_segments` SMS segments goes as one message; a longer one is split into several
messages at sentence boundaries, each of at most `max_segments` segments, so every message
reads on its own. A numbered list of options, with the line that introduces it and the
"Reply 1 or 2" line after it, is never split.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from knowledge.sms_text import encoding, normalise, segments

MAX_SEGMENTS = 2  # what we aim for: a two-part SMS still reads as one message
LIST_ITEM = re.compile(r"^\s*\d{1,2}[.)]\s")
# A sentence ends at . ! or ? followed by space and a capital, digit or opening quote;
# not after common abbreviations ("e.g. Universal Credit").
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(£])")
ABBREVIATIONS = ("e.g.", "i.e.", "etc.", "Mr.", "Mrs.", "Ms.", "Dr.", "St.", "No.", "approx.")


@dataclass(frozen=True)
class SmsPart:
    text: str
    segments: int
    encoding: str  # "gsm7" | "ucs2"


@dataclass(frozen=True)
class _Unit:
    text: str
    separator: str  # what joins it to the unit before: " " within a line, "\n" between lines


def sms_parts(text: str, max_segments: int = MAX_SEGMENTS) -> list[SmsPart]:
    """The messages to send for one reply, in order."""
    text = normalise(text).strip()
    if segments(text) <= max_segments:
        return [_part(text)]
    pieces = (
        (unit.separator, piece) for unit in _units(text) for piece in _fit(unit.text, max_segments)
    )
    return [_part(chunk) for chunk in _pack(pieces, max_segments)]


def _pack(pieces: Iterable[tuple[str, str]], max_segments: int) -> list[str]:
    """Join (separator, text) pieces greedily into chunks of at most `max_segments`."""
    chunks: list[str] = []
    current = ""
    for separator, piece in pieces:
        candidate = f"{current}{separator}{piece}" if current else piece
        if current and segments(candidate) > max_segments:
            chunks.append(current)
            current = piece
        else:
            current = candidate
    if current:
        chunks.append(current)
    return chunks


def _part(text: str) -> SmsPart:
    return SmsPart(text=text, segments=segments(text), encoding=encoding(text))


def _units(text: str) -> list[_Unit]:
    """Sentences, and option lists kept whole with their question and 'Reply ...' line."""
    units: list[_Unit] = []
    blocks = _line_blocks(text.split("\n"))
    for block in blocks:
        if len(block) > 1 or LIST_ITEM.match(block[0]):
            units.append(_Unit("\n".join(block), "\n"))
            continue
        for index, sentence in enumerate(_sentences(block[0])):
            units.append(_Unit(sentence, " " if index else "\n"))
    return units


def _line_blocks(lines: list[str]) -> list[list[str]]:
    """Group lines: a numbered list takes the line before it and a 'Reply' line after it."""
    blocks: list[list[str]] = []
    in_list = False
    for line in lines:
        if LIST_ITEM.match(line):
            if not in_list:
                # The question that introduces the list belongs with it.
                lead = blocks.pop() if blocks and len(blocks[-1]) == 1 else []
                blocks.append([*lead, line])
                in_list = True
            else:
                blocks[-1].append(line)
        elif in_list and line.lstrip().lower().startswith("reply"):
            blocks[-1].append(line)
            in_list = False
        else:
            blocks.append([line])
            in_list = False
    return [block for block in blocks if any(line.strip() for line in block)]


def _sentences(line: str) -> list[str]:
    pieces = SENTENCE_END.split(line.strip())
    sentences: list[str] = []
    for piece in pieces:
        if sentences and sentences[-1].endswith(ABBREVIATIONS):
            sentences[-1] = f"{sentences[-1]} {piece}"
        else:
            sentences.append(piece)
    return [s for s in sentences if s]


def _fit(text: str, max_segments: int) -> list[str]:
    """A unit longer than a whole message is cut between words (a last resort)."""
    if segments(text) <= max_segments:
        return [text]
    return _pack(((" ", word) for word in text.split(" ")), max_segments)
