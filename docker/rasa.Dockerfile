# Rasa server and action server (one image, two commands; see docker-compose.yml).
# Python 3.10: Rasa 3.6 supports nothing newer. Dependencies come from bot/uv.lock.
FROM python:3.10-slim

ENV PYTHONUNBUFFERED=1 \
    TF_CPP_MIN_LOG_LEVEL=2 \
    PYTHONWARNINGS=ignore \
    RASA_TELEMETRY_ENABLED=false \
    SQLALCHEMY_SILENCE_UBER_WARNING=1 \
    UV_PROJECT_ENVIRONMENT=/opt/rasa-venv \
    PATH=/opt/rasa-venv/bin:$PATH \
    PYTHONPATH=/app

RUN pip install --no-cache-dir uv
WORKDIR /app/bot
COPY bot/pyproject.toml bot/uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

# The one source of content, then the Rasa project; training data is generated from it.
COPY knowledge /app/knowledge
COPY bot /app/bot
RUN python scripts/build_spacy_pipeline.py build/spacy_en \
 && python -m knowledge.training . \
 && rasa train --domain domain --data data --config config.yml --out models \
      --fixed-model-name care-leavers

RUN useradd --uid 1001 --no-create-home rasa && chown -R rasa /app/bot
USER 1001
EXPOSE 5005 5055
