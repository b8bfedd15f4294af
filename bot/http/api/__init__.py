"""The REST API v1 under ``/api/v1`` (docs/api.md): a sub-application of the one aiohttp
server, with its own error middleware; the operations are in one table."""

from __future__ import annotations

from aiohttp import web

from bot.http.api import appointments, directory, patients
from bot.http.api.openapi import document, page
from bot.http.api.operations import CONFIG, ApiConfig, Operation, route
from bot.http.api.problems import problems
from bot.http.api.ratelimit import RateLimiter
from bot.settings import Settings
from domain.ports import Deps

VERSION = "1.0.0"
OPERATIONS: list[Operation] = directory.OPERATIONS + appointments.OPERATIONS + patients.OPERATIONS


def add_api_routes(app: web.Application, deps_key: web.AppKey[Deps], settings: Settings) -> None:
    """Serve the API at ``/api/v1``; ``app[deps_key]`` must be set before the first call."""
    api = web.Application(middlewares=[problems])
    api[CONFIG] = ApiConfig(deps_key, RateLimiter(settings.api_rate_limit, settings.api_burst))
    spec = document(OPERATIONS, VERSION)
    text = page(spec)

    async def openapi(_request: web.Request) -> web.Response:
        return web.json_response(spec)

    async def docs(_request: web.Request) -> web.Response:
        return web.Response(text=text, content_type="text/html")

    api.router.add_get("/openapi.json", openapi)
    api.router.add_get("/docs", docs)
    for op in OPERATIONS:
        api.router.add_route(op.method, op.path, route(op), name=op.id)
    app.add_subapp("/api/v1", api)
