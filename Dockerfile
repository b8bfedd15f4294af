# syntax=docker/dockerfile:1
# The base of both stages: any image with Python 3.11 on PATH as `python`, venv and pip.
# deploy/docker-smoke.sh passes a local Debian bookworm one where Docker Hub is out of reach.
ARG BASE_IMAGE=python:3.11-slim

# Build stage: dependencies in their own layer, then the project.
FROM ${BASE_IMAGE} AS build
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
# The Bot API spec is package data: fail the build if the installed package (-I: not
# the sources in /src) lacks it.
RUN pip install --no-deps . \
    && python -I -c "from bot.sandbox.standin.spec import SHIPPED_SPEC; SHIPPED_SPEC.open().close()"

# Runtime stage: no compilers, a non-root user, data on a volume.
# `docker run -p 8080:8080 IMAGE medbot sandbox` serves the sandbox page on 8080 instead;
# publish it on the same port number, since the page checks the port named in Host.
FROM ${BASE_IMAGE} AS runtime
RUN groupadd --system --gid 10001 medbot \
    && useradd --system --uid 10001 --gid medbot --home-dir /data medbot \
    && mkdir /data && chown medbot:medbot /data
COPY --from=build /opt/venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    DATABASE_URL=sqlite+aiosqlite:////data/medbot.db \
    HTTP_HOST=0.0.0.0 \
    SANDBOX_DATABASE_URL=sqlite+aiosqlite:////data/sandbox.db \
    SANDBOX_HOST=0.0.0.0
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
    CMD ["python", "-c", "import urllib.request,sys; sys.exit(urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4).status != 200)"]
CMD ["sh", "-c", "medbot db upgrade && exec medbot run"]
