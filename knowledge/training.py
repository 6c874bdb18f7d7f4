"""Generate Rasa training data from the knowledge base, so content is written once.

Each article becomes one intent, `kb_<topic id with underscores>`, trained on the article's
example questions, with one rule that answers it through `action_answer_from_knowledge`.
Run with `python -m knowledge.training <bot dir>`; the output is deterministic so that Rasa's
fingerprinting retrains only when the content changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from knowledge.loader import load_articles
from knowledge.model import Article

INTENT_PREFIX = "kb_"
ANSWER_ACTION = "action_answer_from_knowledge"
GENERATED_HEADER = "# Generated from knowledge/ by `python -m knowledge.training`. Do not edit.\n"


def intent_for(topic: str) -> str:
    return INTENT_PREFIX + topic.replace("-", "_")


def topic_for(intent: str | None) -> str | None:
    """The article topic an intent answers, or None for a conversational intent."""
    if not intent or not intent.startswith(INTENT_PREFIX):
        return None
    return intent[len(INTENT_PREFIX) :].replace("_", "-")


class _LiteralDumper(yaml.SafeDumper):
    pass


def _block(dumper: yaml.SafeDumper, text: str) -> yaml.Node:
    style = "|" if "\n" in text else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", text, style=style)


_LiteralDumper.add_representer(str, _block)


def _dump(data: dict) -> str:
    return GENERATED_HEADER + yaml.dump(
        data, Dumper=_LiteralDumper, sort_keys=False, allow_unicode=True, width=1000
    )


def nlu_and_rules(articles: dict[str, Article]) -> dict:
    nlu = [
        {
            "intent": intent_for(a.id),
            "examples": "".join(f"- {e}\n" for e in a.examples),
        }
        for a in articles.values()
    ]
    rules = [
        {
            "rule": f"answer {a.id} from the knowledge base",
            "steps": [{"intent": intent_for(a.id)}, {"action": ANSWER_ACTION}],
        }
        for a in articles.values()
    ]
    return {"version": "3.1", "nlu": nlu, "rules": rules}


def domain(articles: dict[str, Article]) -> dict:
    return {"version": "3.1", "intents": [intent_for(a.id) for a in articles.values()]}


def write(bot_dir: Path, articles: dict[str, Article]) -> list[Path]:
    """Write the generated files; unchanged files are left untouched."""
    outputs = {
        bot_dir / "data" / "generated" / "knowledge.yml": _dump(nlu_and_rules(articles)),
        bot_dir / "domain" / "generated" / "knowledge.yml": _dump(domain(articles)),
    }
    written = []
    for path, content in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if not path.exists() or path.read_text(encoding="utf-8") != content:
            path.write_text(content, encoding="utf-8")
            written.append(path)
    return written


def main(argv: list[str]) -> int:
    bot_dir = Path(argv[1]) if len(argv) > 1 else Path(__file__).resolve().parent.parent / "bot"
    articles = load_articles()
    written = write(bot_dir, articles)
    state = f"{len(written)} file(s) updated" if written else "already up to date"
    print(f"knowledge: {len(articles)} articles -> Rasa training data ({state})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
