"""Health, readiness and metrics.

- ``/healthz``: the process is alive and its event loop answers (Docker's health
  check); it reads nothing, so a database outage never gets the process restarted;
- ``/readyz``: the process can serve (``bot.http.readiness``): 200, or 503 with the
  failing checks in the JSON body;
- ``/metrics``: every metric for Prometheus, readiness checked first so that
  ``medbot_ready`` is current at each scrape.
"""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.http.readiness import Readiness
from bot.http.request_metrics import count_requests
from bot.metrics import REGISTRY

ENGINE = web.AppKey("engine", AsyncEngine)
READINESS = web.AppKey("readiness", Readiness)


async def healthz(_request: web.Request) -> web.Response:
    """200 while the process runs."""
    return web.json_response({"status": "ok"})


async def readyz(request: web.Request) -> web.Response:
    """200 when every readiness check passes; 503 naming the failing ones otherwise."""
    verdict = await request.app[READINESS].check(request.app[ENGINE])
    body = {"status": "ready" if verdict.ready else "unready", "checks": verdict.checks}
    return web.json_response(body, status=200 if verdict.ready else 503)


async def metrics(request: web.Request) -> web.Response:
    await request.app[READINESS].check(request.app[ENGINE])
    return web.Response(
        body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


def add_routes(app: web.Application, *, telegram: bool = True) -> None:
    """Serve health, readiness and metrics, and count every request of ``app``.

    ``telegram``: whether this process takes updates (polling or the webhook), so
    that readiness asks whether Telegram was reached lately. ``app[ENGINE]`` must be
    set before the first request.
    """
    app.middlewares.append(count_requests)
    app[READINESS] = Readiness(telegram=telegram)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/metrics", metrics)
