"""`python -m sms_gateway.safeguarding.report [--cases SET]`: how the safeguarding check does
on a labelled set: recall on risk messages and false alarms on ordinary ones, per category,
for the phrases alone, the classifier alone and both together (as the service runs them),
with every miss and false alarm listed. Exits 1 when a risk message is missed.

The classifier is trained on every labelled set except the one measured, so its figure is
always for messages it never saw (the phrases were tuned on the older sets; see
docs/safeguarding.md for which figures are untouched)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

from knowledge.loader import knowledge_base
from sms_gateway.safeguarding.classifier import LABELLED_SETS, RiskClassifier, labelled_messages
from sms_gateway.safeguarding.screen import default_screen, screen_for

EVAL_DIR = Path(__file__).resolve().parents[2] / "eval"
CASES = EVAL_DIR / "safeguarding-cases.yml"
ALL_CASES = LABELLED_SETS


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sms_gateway.safeguarding.report")
    parser.add_argument("--cases", type=Path, default=CASES)
    parser.add_argument(
        "--council", help="also use this council's own phrases (its file's safeguarding block)"
    )
    args = parser.parse_args(argv)
    measured = args.cases.resolve()
    cases = yaml.safe_load(measured.read_text())
    if args.council:
        _, councils = knowledge_base()
        screen = screen_for(councils.values())
    else:
        screen = default_screen()
    others = [path for path in LABELLED_SETS if path.resolve() != measured]
    print(f"Training the classifier on {len(others)} other labelled set(s) ...", flush=True)
    classifier = RiskClassifier.train(labelled_messages(others), screen.lemmatised)

    def nets(text: str) -> Found:
        hits = screen.screen(text, args.council)
        guess = classifier.guess(text)
        return (
            f"{hits[0].category}: {hits[0].pattern}" if hits else None,
            f"{guess.category} {guess.probability:.2f}" if guess else None,
        )

    print(f"\n{args.cases.name}: recall on risk messages (target 100%)")
    print(f"  {'':<26} {'phrases':>12} {'classifier':>12} {'either':>12}")
    missed = _section(cases["risk"], nets, "all risk", _risk_line)
    print("\nFalse alarms on ordinary messages (aim below 3%)")
    _section(cases["ordinary"], nets, "all ordinary", _ordinary_line)
    return 1 if missed else 0


Found = tuple[str | None, str | None]  # what the phrases and the classifier said


def _section(
    groups: dict[str, list[str]],
    nets: Callable[[str], Found],
    total_label: str,
    line: Callable[[str, Found], str | None],
) -> int:
    """One table: a row per group, each message's line under it, then the totals.
    Returns how many messages neither net found."""
    totals = [0, 0, 0, 0]
    for group, messages in groups.items():
        found = [nets(m) for m in messages]
        counts = _counts(found)
        totals = [t + c for t, c in zip(totals, [*counts, len(messages)], strict=True)]
        print(f"  {group:<26} " + " ".join(_cell(c, len(messages)) for c in counts))
        for message, result in zip(messages, found, strict=True):
            if text := line(message, result):
                print(f"      {text}")
    print(f"  {total_label:<26} " + " ".join(_cell(c, totals[3]) for c in totals[:3]))
    return totals[3] - totals[2]


def _risk_line(message: str, found: Found) -> str | None:
    phrase, guess = found
    if not phrase and not guess:
        return f"MISSED: {message}"
    return None if phrase else f"classifier only ({guess}): {message}"


def _ordinary_line(message: str, found: Found) -> str | None:
    phrase, guess = found
    return f"alarm ({phrase or guess}): {message}" if phrase or guess else None


def _counts(found: list[Found]) -> list[int]:
    return [
        sum(1 for p, _ in found if p),
        sum(1 for _, g in found if g),
        sum(1 for p, g in found if p or g),
    ]


def _cell(part: int, whole: int) -> str:
    return f"{part:>4}/{whole:<3} {100 * part / whole:3.0f}%" if whole else f"{'-':>12}"


if __name__ == "__main__":
    sys.exit(main())
