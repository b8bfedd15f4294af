"""The HTTP side: health check and Prometheus metrics (the webhook and REST API come later)."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

ENGINE = web.AppKey("engine", AsyncEngine)


async def healthz(request: web.Request) -> web.Response:
    """200 when the database answers; 503 otherwise. Used by Docker's HEALTHCHECK."""
    try:
        async with request.app[ENGINE].connect() as conn:
            await conn.execute(text("SELECT 1"))
    except (SQLAlchemyError, OSError):
        return web.json_response({"status": "unavailable"}, status=503)
    return web.json_response({"status": "ok"})


async def metrics(_request: web.Request) -> web.Response:
    return web.Response(body=generate_latest(), headers={"Content-Type": CONTENT_TYPE_LATEST})


def init_web_app(engine: AsyncEngine) -> web.Application:
    app = web.Application()
    app[ENGINE] = engine
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics)
    return app


async def start_web(engine: AsyncEngine, host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve on ``host:port`` (0 picks a free port); returns the runner and the bound port."""
    runner = web.AppRunner(init_web_app(engine), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    return runner, int(runner.addresses[0][1])
