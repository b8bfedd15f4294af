"""Read-only FHIR R4 at ``/fhir/R4`` (docs/fhir.md): a sub-application of the one aiohttp
server beside the REST API, with the same tokens, and errors as ``OperationOutcome``.

``GET /fhir/R4/<type>?<params>`` searches (a ``Bundle`` searchset); ``GET
/fhir/R4/<type>/<id>`` reads one. The types are the table in ``endpoints.KINDS``.
"""

from __future__ import annotations

from aiohttp import web

from bot.http.api.operations import CONFIG, ApiConfig
from bot.http.api.ratelimit import RateLimiter
from bot.http.fhir.access import caller_of
from bot.http.fhir.bundle import searchset
from bot.http.fhir.endpoints import KINDS, Kind
from bot.http.fhir.outcomes import fhir_response, outcomes
from bot.settings import Settings
from domain.errors import NotFound
from domain.ports import Deps


def _kind(request: web.Request) -> Kind:
    kind = KINDS.get(request.match_info["type"])
    if kind is None:
        raise NotFound(f"resource type {request.match_info['type'][:40]!r}")
    return kind


async def search(request: web.Request) -> web.Response:
    kind = _kind(request)
    caller = await caller_of(request, f"fhirSearch{kind.name}", kind.scope)
    return fhir_response(searchset(request, await kind.search(caller, request)))


async def read(request: web.Request) -> web.Response:
    kind = _kind(request)
    caller = await caller_of(request, f"fhirRead{kind.name}", kind.scope)
    return fhir_response(await kind.read(caller, request.match_info["id"]))


def add_fhir_routes(app: web.Application, deps_key: web.AppKey[Deps], settings: Settings) -> None:
    """Serve FHIR R4 at ``/fhir/R4``; ``app[deps_key]`` must be set before the first call.
    Its rate-limit buckets are its own, as large as the REST API's."""
    fhir = web.Application(middlewares=[outcomes])
    fhir[CONFIG] = ApiConfig(deps_key, RateLimiter(settings.api_rate_limit, settings.api_burst))
    fhir.router.add_get("/{type}", search)
    fhir.router.add_get("/{type}/{id}", read)
    app.add_subapp("/fhir/R4", fhir)
