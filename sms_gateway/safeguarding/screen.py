"""Matching risk phrases on lemmas with spaCy's Matcher, after normalising text-speak.

Deterministic on purpose: the same message always gives the same answer, a council can read
and extend the phrase list, and nothing depends on Rasa or a model being up.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import spacy
import yaml
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.matcher import Matcher
from spacy.tokens import Doc
from spacy.vocab import Vocab

from knowledge.model import Council

PHRASES = Path(__file__).with_name("phrases.yml")
GAP_TOKENS = 3  # "..." in a pattern: up to three tokens of anything; "...8": up to eight
_GAP = re.compile(r"\.\.\.(\d*)")

# Text-speak and contractions, as whole words, before spaCy sees the text.
TEXT_SPEAK = {
    "wanna": "want to",
    "gonna": "going to",
    "gotta": "got to",
    "dont": "do not",
    "don't": "do not",
    "cant": "can not",
    "can't": "can not",
    "cannot": "can not",
    "wont": "will not",
    "won't": "will not",
    "im": "i am",
    "i'm": "i am",
    "ive": "i have",
    "hes": "he is",
    "shes": "she is",
    "theyre": "they are",
    "isnt": "is not",
    "wasnt": "was not",
    "didnt": "did not",
    "doesnt": "does not",
    "wouldnt": "would not",
    "couldnt": "could not",
    "havent": "have not",
    "aint": "am not",
    "bf": "boyfriend",
    "gf": "girlfriend",
    "rn": "right now",
    "n": "and",
    "nd": "and",
    "wiv": "with",
    "wen": "when",
    "sum1": "someone",
    "some1": "someone",
    "no1": "no one",
    "noone": "no one",
    "2": "to",
    "ma": "my",
    "nowere": "nowhere",
    "u": "you",
    "b": "be",
    "theyll": "they will",
    "ur": "your",
    "myslf": "myself",
    "meself": "myself",
    "pils": "pills",
    "2nite": "tonight",
    "2night": "tonight",
    "tnite": "tonight",
    "tonite": "tonight",
    "2day": "today",
}
_WORD = re.compile(r"[a-z0-9']+")


@dataclass(frozen=True)
class RiskHit:
    category: str
    pattern: str


class RiskScreen:
    """The national phrases (phrases.yml) for everyone, plus each council's own phrases for
    that council's messages only."""

    def __init__(
        self,
        phrases: dict[str, Any],
        local: Mapping[str, Mapping[str, Sequence[str]]] | None = None,
        *,
        skip_unmatchable: bool = True,
    ) -> None:
        """`skip_unmatchable=False` runs the matchers on every message: the reference the
        tests hold the quick path to."""
        self._skip_unmatchable = skip_unmatchable
        self._nlp = spacy.blank("en")
        lemmatizer = self._nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        self._nlp.initialize()  # loads the lemma table from spacy-lookups-data (offline)
        self._lemmas = lemmatizer.lookups.get_table("lemma_lookup")
        self._patterns: dict[str, tuple[str, str]] = {}
        self._matcher = self._risk_matcher("national", phrases["risk"])
        self._local = {
            council_id: self._risk_matcher(council_id, extra, known=set(phrases["risk"]))
            for council_id, extra in (local or {}).items()
            if extra
        }
        self._harmless = Matcher(self._nlp.vocab)
        for index, pattern in enumerate(phrases.get("harmless") or []):
            self._harmless.add(f"harmless:{index}", [self._compile(pattern)])

    @property
    def categories(self) -> list[str]:
        return sorted({category for category, _ in self._patterns.values()})

    def screen(self, text: str, council_id: str | None = None) -> list[RiskHit]:
        """Every risk phrase found, first category first; empty when none."""
        doc = self._nlp(self.normalise(text))
        words = _words_of(doc)
        matches = self._matcher.matches(doc, words)
        if council_id in self._local:
            matches += self._local[council_id].matches(doc, words)
        if not matches:
            return []
        harmless = [(start, end) for _, start, end in self._harmless(doc)]
        hits: dict[str, RiskHit] = {}
        for match_id, start, end in matches:
            if any(h_start <= start and end <= h_end for h_start, h_end in harmless):
                continue  # "hit me up" is not "hit me"
            category, pattern = self._patterns[self._nlp.vocab.strings[match_id]]
            hits.setdefault(category, RiskHit(category, pattern))
        return list(hits.values())

    def _risk_matcher(
        self, source: str, phrases: Mapping[str, Sequence[str]], known: set[str] | None = None
    ) -> _AnchoredMatcher:
        matcher = _AnchoredMatcher(self._nlp.vocab, always=not self._skip_unmatchable)
        for category, patterns in phrases.items():
            if known is not None and category not in known:
                raise ValueError(
                    f"{source}: safeguarding category {category!r} is not one of "
                    f"{', '.join(sorted(known))}"
                )
            for index, pattern in enumerate(patterns):
                key = f"{source}:{category}:{index}"
                matcher.add(key, self._compile(pattern))
                self._patterns[key] = (category, pattern)
        return matcher

    def lemmatised(self, text: str) -> str:
        """The message as the phrases see it: normalised, then each word's lemma."""
        return " ".join(token.lemma_ for token in self._nlp(self.normalise(text)))

    def normalise(self, text: str) -> str:
        """Lower case, curly apostrophes, text-speak spelt out, dropped g's put back
        ("cuttin" -> "cutting") when that makes a word spaCy knows."""
        lowered = text.lower().replace("\u2019", "'")
        return _WORD.sub(lambda m: self._respell(m.group(0)), lowered)

    def _respell(self, word: str) -> str:
        if word in TEXT_SPEAK:
            return TEXT_SPEAK[word]
        bare = word.rstrip("'")
        if bare.endswith("in") and len(bare) > 4 and bare + "g" in self._lemmas:
            return bare + "g"
        return word

    def _compile(self, pattern: str) -> list[dict[str, Any]]:
        tokens: list[dict[str, Any]] = []
        for part in pattern.split():
            gap = _GAP.fullmatch(part)
            if gap:
                tokens.append({"OP": f"{{0,{gap.group(1) or GAP_TOKENS}}}"})
                continue
            optional = part.endswith("?")
            words = part.rstrip("?").split("|")
            exact_forms = [word.startswith("=") for word in words]
            if any(exact_forms) and not all(exact_forms):
                raise ValueError(f"pattern {pattern!r}: '=' goes on every alternative or none")
            if all(exact_forms):
                # "=took": this exact form, not every form of its lemma ("take").
                exact: dict[str, Any] = {"LOWER": {"IN": [w[1:] for w in words]}}
                tokens.append({**exact, "OP": "?"} if optional else exact)
                continue
            # Each word as spaCy will see it in a message: normalised, then lemmatised, so
            # "kicked" in a pattern matches "kick", "kicks" and "kicking".
            spelt = [[t.lemma_ for t in self._nlp(self.normalise(word))] for word in words]
            if len(spelt) == 1 and len(spelt[0]) > 1:
                # One word that is several ("cant" -> "can not"): match them in turn.
                tokens.extend({"LEMMA": lemma} for lemma in spelt[0])
                continue
            if any(len(lemmas) != 1 for lemmas in spelt):
                raise ValueError(f"pattern {pattern!r}: write alternatives as single words")
            lemmas = {lemmas[0] for lemmas in spelt}
            token: dict[str, Any] = {"LEMMA": {"IN": sorted(lemmas)}}
            if optional:
                token["OP"] = "?"
            tokens.append(token)
        return tokens


# A word of a message as patterns compare it: ("LEMMA", lemma) or ("LOWER", exact form).
Word = tuple[str, str]


def _words_of(doc: Doc) -> set[Word]:
    return {("LEMMA", t.lemma_) for t in doc} | {("LOWER", t.lower_) for t in doc}


class _AnchoredMatcher:
    """A spaCy Matcher that is only run when a message could match one of its patterns.

    A pattern matches only where each of its required tokens (not optional, not a gap)
    does, so a message that lacks the words of any required token of every pattern cannot
    match, and is not given to the matcher: most messages, saving about 1 ms of the
    service's CPU on each. Patterns are indexed by one required token each, the least
    common-looking, so only the few a message's words point to are checked in full."""

    def __init__(self, vocab: Vocab, always: bool = False) -> None:
        self._matcher = Matcher(vocab)
        self._by_anchor: defaultdict[Word, list[list[frozenset[Word]]]] = defaultdict(list)
        self._always = always  # also set by a pattern with no required token

    def add(self, key: str, tokens: list[dict[str, Any]]) -> None:
        self._matcher.add(key, [tokens])
        required = _required(tokens)
        if not required:
            self._always = True
            return
        for word in _anchor(required):
            self._by_anchor[word].append(required)

    def could_match(self, words: set[Word]) -> bool:
        return self._always or any(
            all(not token.isdisjoint(words) for token in required)
            for word in words
            for required in self._by_anchor.get(word, ())
        )

    def matches(self, doc: Doc, words: set[Word]) -> list[tuple[int, int, int]]:
        return list(self._matcher(doc)) if self.could_match(words) else []


def _required(tokens: list[dict[str, Any]]) -> list[frozenset[Word]]:
    """The words each of a pattern's required tokens accepts."""
    required = []
    for token in tokens:
        if "OP" in token:
            continue  # optional, or a gap
        ((attr, value),) = token.items()
        words = value["IN"] if isinstance(value, dict) else [value]
        required.append(frozenset((attr, word) for word in words))
    return required


def _anchor(required: list[frozenset[Word]]) -> frozenset[Word]:
    """The least common-looking required token: no stop words ("i", "be", "the") if it can,
    then the longest words."""
    return min(
        required,
        key=lambda words: (
            sum(w in STOP_WORDS for _, w in words),
            -min(len(w) for _, w in words),
            len(words),
        ),
    )


@lru_cache(maxsize=1)
def default_screen() -> RiskScreen:
    """The national phrases only."""
    return RiskScreen(yaml.safe_load(PHRASES.read_text()))


def screen_for(councils: Iterable[Council], *, skip_unmatchable: bool = True) -> RiskScreen:
    """The national phrases plus each council's own (its file's safeguarding.phrases).
    A badly written or misfiled phrase stops the service at start, not at the first message."""
    return RiskScreen(
        yaml.safe_load(PHRASES.read_text()),
        {council.id: council.safeguarding.phrases for council in councils},
        skip_unmatchable=skip_unmatchable,
    )
