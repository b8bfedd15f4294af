"""Who calls a FHIR endpoint: the REST API's token, resolved once per request the same
way (``bot.http.api.operations.authenticated``, ``docs/api.md``)."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from bot.http.api.operations import authenticated
from domain.actors import Actor
from domain.api_access import Scope
from domain.ports import Deps


@dataclass(frozen=True, slots=True)
class Caller:
    deps: Deps
    actor: Actor


async def caller_of(request: web.Request, operation: str, scope: Scope) -> Caller:
    deps, caller = await authenticated(request, operation, scope)
    return Caller(deps, caller.actor)
