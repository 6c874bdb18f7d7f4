# The service (FastAPI): web chat API, Twilio webhook, conversation store.
# Dependencies come from uv.lock.
FROM python:3.11-slim

ENV PYTHONUNBUFFERED=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN pip install --no-cache-dir uv
WORKDIR /app
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --frozen --no-dev --no-install-project
COPY sms_gateway ./sms_gateway
COPY knowledge ./knowledge
COPY devtools ./devtools
RUN uv sync --frozen --no-dev

RUN useradd --uid 1001 --no-create-home app \
    # The SMS spool's volume (texts taken while the database is down): docker copies this
    # folder's owner into a new named volume, so the app can write there.
    && mkdir -p /var/spool/assistant && chown 1001 /var/spool/assistant
USER 1001
EXPOSE 8000
