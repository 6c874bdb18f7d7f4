"""What a young person's phone receives: GSM-7 text, at most two segments a message where
the content allows, split between sentences, option lists whole."""

from __future__ import annotations

from knowledge.loader import knowledge_base
from knowledge.sms_text import normalise
from sms_gateway.sms_format import sms_parts


def test_short_reply_goes_as_one_message_in_gsm7() -> None:
    [part] = sms_parts("It\u2019s your PA \u2013 ask them\u2026")
    assert part.text == "It's your PA - ask them..."
    assert (part.segments, part.encoding) == (1, "gsm7")


def test_emoji_is_kept_and_counted_as_ucs2() -> None:
    [part] = sms_parts("Good luck \U0001f600")
    assert part.encoding == "ucs2" and part.text.endswith("\U0001f600")


def test_long_reply_is_split_between_sentences_into_two_segment_messages() -> None:
    sentences = [f"Sentence number {n} says something useful about your rights." for n in range(12)]
    parts = sms_parts(" ".join(sentences))
    assert len(parts) > 1
    assert all(p.segments <= 2 for p in parts)
    for part in parts:
        assert part.text.startswith("Sentence number") and part.text.endswith("rights.")
    assert " ".join(p.text for p in parts) == " ".join(sentences)  # nothing lost or reordered


def test_abbreviations_do_not_end_a_sentence() -> None:
    text = ("You can get help with costs, e.g. Council tax support. " * 8).strip()
    for part in sms_parts(text):
        assert not part.text.startswith("Council tax")


def test_an_option_list_is_never_split_from_its_question_or_reply_line() -> None:
    intro = "Here is some background that takes up space. " * 5
    options = "Did you mean:\n1. Staying Put\n2. Staying Close\nReply 1 or 2."
    parts = sms_parts(intro.strip() + "\n" + options)
    assert any(options in p.text for p in parts)
    assert all(p.segments <= 2 for p in parts)


def test_one_sentence_longer_than_two_segments_is_cut_between_words() -> None:
    words = " ".join(["word"] * 120)
    parts = sms_parts(words)
    assert all(p.segments <= 2 for p in parts)
    assert " ".join(p.text for p in parts) == words


def test_every_full_answer_in_the_knowledge_base_splits_within_two_segments() -> None:
    articles, _ = knowledge_base()
    for article in articles.values():
        parts = sms_parts(article.web)
        assert all(p.segments <= 2 for p in parts), article.id
        words = " ".join(p.text for p in parts).split()
        assert words == normalise(article.web).split(), article.id  # nothing lost
