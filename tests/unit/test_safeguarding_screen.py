"""The safeguarding screen's rules: lemmas, text-speak, negations still alerting, near misses
that must not, every labelled set, and a council's own phrases."""

from __future__ import annotations

import pytest
import yaml

from knowledge.loader import knowledge_base
from sms_gateway.safeguarding.check import Safeguard
from sms_gateway.safeguarding.classifier import RiskClassifier
from sms_gateway.safeguarding.report import ALL_CASES, CASES
from sms_gateway.safeguarding.screen import RiskScreen, default_screen, screen_for


@pytest.mark.parametrize(
    ("message", "category"),
    [
        ("been cuttin myself again", "suicide_self_harm"),
        ("I cut myself last night", "suicide_self_harm"),
        ("i dont wanna wake up tomorrow", "suicide_self_harm"),
        ("im not going to hurt myself i promise", "suicide_self_harm"),  # still alerts
        ("he hits me when hes drunk", "abuse_domestic_violence"),
        ("they make me carry packages to other towns", "exploitation"),
        ("i owe him money and he says i have to work it off", "exploitation"),
        ("ive got nowhere to sleep tonight", "homeless_tonight"),
        ("I\u2019m sleepin rough", "homeless_tonight"),
        ("took a load of pills", "medical_emergency"),
        ("i cant breathe", "medical_emergency"),
    ],
)
def test_risk_messages_alert_with_their_category(message: str, category: str) -> None:
    assert category in [hit.category for hit in default_screen().screen(message)]


@pytest.mark.parametrize(
    "message",
    ["how do i kill time before my appointment", "i need to cut my hair", "can i get a bursary",
     "what is staying put", "my phone died"],
)  # fmt: skip
def test_ordinary_messages_do_not(message: str) -> None:
    assert default_screen().screen(message) == []


@pytest.fixture(scope="module")
def safeguard() -> Safeguard:
    """Phrases and classifier, as the service runs them (the classifier from make setup's
    cache, or trained now)."""
    return Safeguard(default_screen(), RiskClassifier.load_or_train(default_screen().lemmatised))


@pytest.mark.parametrize("cases", ALL_CASES, ids=[path.stem for path in ALL_CASES])
def test_every_risk_message_in_every_labelled_set_is_found(cases, safeguard) -> None:
    """`make safeguarding-report --cases ...` prints the figures for messages never seen."""
    labelled = yaml.safe_load(cases.read_text())
    risk = [(m, c) for c, messages in labelled["risk"].items() for m in messages]
    missed = [m for m, _ in risk if safeguard.check(m) is None]
    assert missed == []


@pytest.mark.parametrize("cases", [CASES], ids=["tuning set"])
def test_the_phrases_alone_find_every_risk_message_of_the_tuning_set(cases) -> None:
    """Rasa down and the classifier aside, the exact phrases are the floor."""
    labelled = yaml.safe_load(cases.read_text())
    missed = [
        m for messages in labelled["risk"].values() for m in messages
        if not default_screen().screen(m)
    ]  # fmt: skip
    assert missed == []


@pytest.mark.parametrize(
    "message",
    [
        "i have put a belt on the hook behind my door and i am standing on the chair",
        "my stepmum made me sleep in the shed again and i have had no food since monday",
        "my mate is grey and cold and we cant get him to open his eyes",
    ],
)
def test_the_check_finds_risk_worded_in_ways_no_labelled_set_has(safeguard, message) -> None:
    assert safeguard.check(message) is not None, message


def test_false_alarms_on_ordinary_messages_stay_below_3_percent(safeguard) -> None:
    ordinary = [
        message
        for cases in ALL_CASES
        for messages in yaml.safe_load(cases.read_text())["ordinary"].values()
        for message in messages
    ]
    assert len(ordinary) >= 300
    alarms = [m for m in ordinary if safeguard.check(m)]
    assert len(alarms) / len(ordinary) < 0.03, alarms


@pytest.mark.parametrize(
    "message", ["no", "yes", "ok", "hmm", "thing", "idk", "maybe", "blorp", "asdf", "2", "17"]
)
def test_a_short_reply_or_a_word_the_classifier_never_saw_is_not_an_alarm(
    safeguard, message
) -> None:
    """Such messages carry no evidence either way; an urgent escalation for every "no" or
    typo would bury the real ones (the classifier's prior once leaned to risk)."""
    assert safeguard.check(message) is None


def test_skipping_the_matcher_for_messages_no_pattern_could_match_finds_the_same() -> None:
    """Every labelled message, risk or ordinary, and every question the assistant knows, for
    every council: the quick path finds exactly what running every pattern finds."""
    articles, councils = knowledge_base()
    messages = [
        message
        for cases in ALL_CASES
        for part in ("risk", "ordinary")
        for group in yaml.safe_load(cases.read_text())[part].values()
        for message in group
    ] + [question for article in articles.values() for question in article.examples]
    quick = screen_for(councils.values())
    every_pattern = screen_for(councils.values(), skip_unmatchable=False)
    for council_id in councils:
        for message in messages:
            assert quick.screen(message, council_id) == every_pattern.screen(message, council_id), (
                message
            )
    # Not vacuous: some of them are found (the risk ones).
    assert any(every_pattern.screen(m, council_id) for m in messages)


def test_a_councils_own_phrases_alert_for_that_council_only() -> None:
    _, councils = knowledge_base()
    screen = screen_for(councils.values())
    message = "been sat up the viaduct for an hour"
    assert default_screen().screen(message) == []
    assert [hit.category for hit in screen.screen(message, "northbridge")] == ["suicide_self_harm"]
    assert screen.screen(message, "lancashire") == []
    assert screen.screen("i cut myself", "lancashire")  # the national phrases still apply


def test_a_council_phrase_under_an_unknown_category_stops_the_screen_being_built() -> None:
    national = {"risk": {"suicide_self_harm": ["kms"]}}
    with pytest.raises(ValueError, match="somewhere: safeguarding category 'gangs'"):
        RiskScreen(national, {"somewhere": {"gangs": ["the estate"]}})


def test_a_badly_written_pattern_is_refused() -> None:
    with pytest.raises(ValueError, match="single words"):
        RiskScreen({"risk": {"x": ["what|whats the point"]}})
    with pytest.raises(ValueError, match="every alternative"):
        RiskScreen({"risk": {"x": ["=took|take pills"]}})
