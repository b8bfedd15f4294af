"""Health and metrics: ``/healthz`` for Docker's health check, ``/metrics`` for Prometheus."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.metrics import REGISTRY

ENGINE = web.AppKey("engine", AsyncEngine)


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers; 503 otherwise."""
    try:
        async with request.app[ENGINE].connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok"})


async def metrics(_request: web.Request) -> web.Response:
    return web.Response(
        body=generate_latest(REGISTRY), headers={"Content-Type": CONTENT_TYPE_LATEST}
    )


def add_routes(app: web.Application) -> None:
    """Serve health and metrics; ``app[ENGINE]`` must be set before the first request."""
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
