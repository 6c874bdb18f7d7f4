# The care leavers' assistant. Two commands matter:
#   make run    set up everything that is missing or stale, then run the whole assistant
#   make test   set up, then run every check (lint, unit, Rasa validation, integration)
SHELL := /bin/bash
.DEFAULT_GOAL := help

UV := scripts/uv.sh
PY := .venv/bin/python
RASA := bot/.venv/bin/rasa
MODEL := bot/models/care-leavers.tar.gz
SPACY_PIPELINE := bot/build/spacy_en/meta.json
SAFEGUARDING_MODEL := build/safeguarding-classifier/fingerprint.json
# Quieter TensorFlow and no Rasa telemetry for every Rasa command run from here.
RASA_ENV := TF_CPP_MIN_LOG_LEVEL=2 PYTHONWARNINGS=ignore RASA_TELEMETRY_ENABLED=false \
	SQLALCHEMY_SILENCE_UBER_WARNING=1
# What the model is trained from; knowledge/ is turned into bot/data/generated first.
TRAINING_INPUTS := bot/config.yml $(wildcard bot/domain/*.yml bot/data/*.yml) \
	$(wildcard knowledge/articles/*.yml) knowledge/training.py knowledge/loader.py

.PHONY: help run run-scaled bench test eval safeguarding-report setup lint check-knowledge unit integration validate rasa-test bot-unit \
	nlu-report nlu-check generate clean

help:
	@echo "make run    run the whole assistant locally (SQLite, fake SMS provider)"
	@echo "make test   run every check (lint, unit, Rasa validation, integration)"
	@echo "make run-scaled  the same with two Rasa processes on PostgreSQL and Redis"
	@echo "make setup  only create environments, build the spaCy pipeline and train"
	@echo "make check-knowledge  check knowledge/ (articles and councils) after editing it"
	@echo "make eval   score the assistant on ../shared/eval cases (or EVAL_CASES=...)"
	@echo "make bench  latency, throughput, scaling and memory figures against bare Rasa"
	@echo "make nlu-report  cross-validate the NLU pipeline and print intent F1 (slow)"
	@echo "make clean  remove environments, trained models and local data"

# RUN_ARGS: e.g. "--rasa-processes 2 --postgres postgresql://postgres@127.0.0.1:5432/postgres"
# (production's topology: Rasa processes sharing a PostgreSQL tracker and a Redis lock store).
RUN_ARGS ?=
run: setup
	$(PY) -m devtools.run $(RUN_ARGS)

run-scaled: setup
	@scripts/ensure-postgres.sh
	@scripts/ensure-redis.sh
	$(PY) -m devtools.run --rasa-processes 2 --sms-intake --postgres postgresql://postgres@127.0.0.1:5432/postgres

test: setup lint check-knowledge validate rasa-test bot-unit nlu-check
	@scripts/ensure-postgres.sh
	@scripts/ensure-redis.sh
	@scripts/ensure-chromium.sh
	$(PY) -m pytest

# Conversation evaluation over the web chat contract; starts its own assistant.
EVAL_CASES ?=
eval: setup
	$(PY) -m devtools.evaluate $(EVAL_CASES)

# Latency, throughput, scaling and memory figures (see devtools/bench.py); BENCH_ARGS to tune.
BENCH_ARGS ?=
bench: setup
	@scripts/ensure-postgres.sh
	@scripts/ensure-redis.sh
	$(PY) -m devtools.bench $(BENCH_ARGS)

# NLU cross-validation (trains once per fold: slow); saves reports in bot/results/nlu-cv/.
nlu-report: setup
	$(PY) -m devtools.nlu_report

# Recall and false alarms of the safeguarding screen on eval/safeguarding-cases.yml.
safeguarding-report: .venv/.synced
	$(PY) -m sms_gateway.safeguarding.report

setup: .venv/.synced bot/.venv/.synced $(SPACY_PIPELINE) generate $(MODEL) $(SAFEGUARDING_MODEL)

# Our service's environment (Python >= 3.11), exactly as locked in uv.lock.
.venv/.synced: pyproject.toml uv.lock
	@echo "==> Service environment (uv sync)"
	$(UV) sync --frozen
	@touch $@

# Rasa's environment (Python 3.10), exactly as locked in bot/uv.lock.
bot/.venv/.synced: bot/pyproject.toml bot/uv.lock scripts/find-python310.sh
	@echo "==> Rasa environment (uv sync, Python 3.10; about a minute the first time)"
	cd bot && ../$(UV) sync --frozen --python "$$(../scripts/find-python310.sh)"
	@touch $@

$(SPACY_PIPELINE): bot/scripts/build_spacy_pipeline.py bot/.venv/.synced
	@echo "==> spaCy pipeline (built offline)"
	cd bot && $(RASA_ENV) .venv/bin/python scripts/build_spacy_pipeline.py build/spacy_en
	@touch $@

# The safeguarding classifier, trained on the labelled sets (about 15 s; cached by content).
$(SAFEGUARDING_MODEL): .venv/.synced $(wildcard eval/safeguarding-*.yml bot/data/*.yml knowledge/articles/*.yml) \
		sms_gateway/safeguarding/classifier.py sms_gateway/safeguarding/screen.py
	@echo "==> Safeguarding classifier"
	$(PY) -m sms_gateway.safeguarding.classifier
	@touch $@

generate: .venv/.synced
	@$(PY) -m knowledge.training bot

$(MODEL): $(TRAINING_INPUTS) $(SPACY_PIPELINE) bot/.venv/.synced
	@echo "==> Training the Rasa model (inputs changed; about a minute)"
	$(PY) -m knowledge.training bot
	@mkdir -p build
	@# The log says which components Rasa restored from its cache (bot/.rasa/cache): make bench
	@# reports whether the recorded time was a full training.
	@set -o pipefail; start=$$(date +%s); cd bot && $(RASA_ENV) .venv/bin/rasa train \
		--domain domain --data data --config config.yml --out models \
		--fixed-model-name care-leavers 2>&1 | tee ../build/rasa-training.log \
		&& echo $$(( $$(date +%s) - start )) > ../build/rasa-training-seconds
	@touch $@

lint: .venv/.synced
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# Content checks: schema, every canonical topic, SMS lengths, status wording, outdated claims.
check-knowledge: .venv/.synced
	$(PY) -m knowledge.validate

validate: setup
	cd bot && $(RASA_ENV) .venv/bin/rasa data validate --domain domain --data data \
		--fail-on-warnings

# Conversation stories (happy and unhappy paths). Rasa reads endpoints.yml from bot/ even
# here, so its tracker database must point somewhere real.
rasa-test: setup
	cd bot && $(RASA_ENV) RASA_TRACKER_DB=results/test-tracker.db \
		ACTION_SERVER_URL=http://127.0.0.1:5055 .venv/bin/rasa test core \
		--model $(MODEL:bot/%=%) --stories tests/test_stories.yml \
		--fail-on-prediction-errors --out results

# The trained model on everyday answers that must not read as risk (seconds, not minutes).
nlu-check: setup
	cd bot && $(RASA_ENV) PYTHONPATH=. .venv/bin/python -m pytest -q tests/model

# The action server's own unit tests (tracker fixtures), in the Rasa environment.
bot-unit: bot/.venv/.synced generate
	cd bot && $(RASA_ENV) .venv/bin/python -m pytest -q

unit: .venv/.synced generate
	$(PY) -m pytest tests -m "not integration"

integration: setup
	@scripts/ensure-postgres.sh
	@scripts/ensure-redis.sh
	@scripts/ensure-chromium.sh
	$(PY) -m pytest tests -m integration

clean:
	rm -rf .venv bot/.venv bot/build bot/models bot/results bot/data/generated \
		bot/domain/generated var
