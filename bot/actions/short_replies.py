"""Short replies to the assistant's own questions: an option number or an age.

Pure Python (no Rasa imports) so the NLU component in `components/` and the actions share it.
A text message of "2" or "17" is too short for a statistical classifier to tell apart
reliably, and "reply 1, 2 or 3" must always work, so these are read by rule.
"""

from __future__ import annotations

import re

# "last" is resolved by the action, which knows how many options were offered.
LAST = -1

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30,
}  # fmt: skip
_ORDINALS = {"first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "last": LAST}
_POLITE = r"(?:\s*(?:pls|plz|please|thanks|thx|ta|x+))*"
_END = rf"{_POLITE}\s*[.!]*\s*$"

_OPTION = re.compile(
    rf"^\s*(?:(?:option|number|no\.?|num|#)\s*)?(?P<n>[1-9]|one|two|three|four|five){_END}", re.I
)
_ORDINAL = re.compile(
    rf"^\s*(?:the\s+)?(?P<n>first|1st|second|2nd|third|3rd|last)(?:\s+one)?{_END}", re.I
)
_AGE_WORDS = (
    r"(?:twenty[\s-]?(?:one|two|three|four|five|six|seven|eight|nine)|"
    + "|".join(_NUMBER_WORDS)
    + ")"
)
_AGE_VALUE = rf"(?P<age>\d{{1,2}}|{_AGE_WORDS})"
_AGE_UNIT = r"(?:\s*(?:years?|yrs?|yr|y/?o|y\.o\.?)(?:\s*old)?)?"
# A whole message that only gives an age: "17", "im 19", "I am 21 years old", "just turned 18".
_AGE_REPLY = re.compile(
    rf"^\s*(?:i'?m|im|i\s+am|am|aged?|i\s+turned|turned|just\s+turned|i'?ve\s+just\s+turned)?"
    rf"\s*(?:just\s+)?{_AGE_VALUE}{_AGE_UNIT}(?:\s*now)?{_END}",
    re.I,
)
_NEARLY = re.compile(
    rf"^\s*(?:i'?m\s+|im\s+)?(?:nearly|almost)\s+{_AGE_VALUE}{_AGE_UNIT}{_END}", re.I
)
# An age given inside a longer question: "I'm 17, can I claim UC?", "as a 20 year old".
_AGE_IN_TEXT = re.compile(
    rf"(?:\b(?:i'?m|im|i\s+am|aged?|turned|turning)\s+(?:only\s+|just\s+)?{_AGE_VALUE}\b"
    rf"(?!\s*(?:%|pounds|quid|weeks?|months?|days?|hours?|mins?|minutes?|am\b|pm\b|:))"
    rf"|\b{_AGE_VALUE.replace('age>', 'age2>')}\s*(?:-\s*)?(?:years?|yrs?|yr|y/?o)(?:[\s-]*old)?\b"
    rf"(?!\s+(?:ago|in\s+care|later)))",
    re.I,
)

# Ages the assistant acts on; anything else in a "how old" answer is a typo or a joke.
PLAUSIBLE_AGES = range(10, 40)


def _number(word: str) -> int | None:
    word = word.lower().replace("-", " ")
    if word.isdigit():
        return int(word)
    if word.startswith("twenty "):
        rest = _NUMBER_WORDS.get(word.split()[1])
        return 20 + rest if rest else None
    return _NUMBER_WORDS.get(word)


def option_number(text: str) -> int | None:
    """1-9 for "2", "option 2", "the second one"; LAST for "the last one"; else None."""
    match = _OPTION.match(text) or _ORDINAL.match(text)
    if not match:
        return None
    word = match.group("n").lower()
    return _ORDINALS[word] if word in _ORDINALS else _number(word)


def age_reply(text: str) -> int | None:
    """The age in a message that only states an age ("17", "im nineteen", "nearly 18")."""
    if option_number(text) is not None and not re.search(r"\d\d", text):
        return None  # "2" is an option, not an age
    match = _AGE_REPLY.match(text)
    if match:
        age = _number(match.group("age"))
    else:
        match = _NEARLY.match(text)
        age = _number(match.group("age")) - 1 if match else None  # "nearly 18" is 17
    return age if age in PLAUSIBLE_AGES else None


def age_in_text(text: str) -> int | None:
    """An age stated anywhere in a message ("I'm 17 and pregnant, what help is there")."""
    for match in _AGE_IN_TEXT.finditer(text):
        value = match.group("age") or match.group("age2")
        age = _number(value) if value else None
        if age is None:
            continue
        # "what happens when I'm 18" is about the future, not their age now.
        if re.search(
            r"\b(?:when|until|till|til|before|after|once|if)\s*$", text[: match.start()], re.I
        ):
            continue
        # "turning 18" and "I'm 18 next month" mean 17 today.
        ahead = re.match(r"\s*(?:next|soon|in\s+(?:a|\d))", text[match.end() :], re.I)
        if ahead or "turning" in match.group(0).lower():
            age -= 1
        if age in PLAUSIBLE_AGES:
            return age
    return None
