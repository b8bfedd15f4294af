# syntax=docker/dockerfile:1
# Build stage: dependencies in their own layer, then the project.
FROM python:3.11-slim AS build
WORKDIR /src
ENV PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
COPY pyproject.toml README.md ./
# Install only the pinned dependencies first, so code changes reuse this layer.
RUN mkdir bot domain storage && touch bot/__init__.py domain/__init__.py storage/__init__.py \
    && pip install . && pip uninstall --yes medbot
COPY bot ./bot
COPY domain ./domain
COPY storage ./storage
RUN pip install --no-deps .

# Runtime stage: no compilers, a non-root user, data on a volume.
FROM python:3.11-slim AS runtime
RUN groupadd --system --gid 10001 medbot \
    && useradd --system --uid 10001 --gid medbot --home-dir /data medbot \
    && mkdir /data && chown medbot:medbot /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/medbot.db \
    HTTP_HOST=0.0.0.0
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"]
CMD ["sh", "-c", "medbot db upgrade && exec medbot run"]
