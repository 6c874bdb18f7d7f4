"""Build the spaCy pipeline Rasa uses, offline, from what spaCy ships on PyPI.

spaCy's trained models (en_core_web_*) are downloaded from GitHub, which these machines cannot
reach. A blank English pipeline with spaCy's tokenizer and the lookup lemmatizer (tables from
spacy-lookups-data) is a real spaCy pipeline that gives Rasa lemmas, so "cutting" and "cut",
"bursaries" and "bursary" share features. Where en_core_web_md is installed, config.yml can name
it instead (see docs/architecture.md).

Usage: python scripts/build_spacy_pipeline.py <output dir>
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import spacy

PIPELINE_NAME = "care_leavers_lemmas"
# Bump when the recipe below changes, so the next setup rebuilds it.
RECIPE_VERSION = "1"


def build(output: Path) -> None:
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma tables from spacy-lookups-data
    nlp.meta["name"] = PIPELINE_NAME
    nlp.meta["version"] = f"1.0.{RECIPE_VERSION}"
    nlp.meta["description"] = "Blank English tokenizer + lookup lemmatizer, built offline"
    output.parent.mkdir(parents=True, exist_ok=True)
    nlp.to_disk(output)


def is_current(output: Path) -> bool:
    meta = output / "meta.json"
    if not meta.exists():
        return False
    info = json.loads(meta.read_text())
    return info.get("name") == PIPELINE_NAME and info.get("version") == f"1.0.{RECIPE_VERSION}"


def main(argv: list[str]) -> int:
    output = Path(argv[1])
    if is_current(output):
        print(f"spaCy pipeline: up to date at {output}")
        return 0
    build(output)
    lemma = spacy.load(output)("bursaries")[0].lemma_
    print(f"spaCy pipeline: built at {output} (lemma check: bursaries -> {lemma})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
