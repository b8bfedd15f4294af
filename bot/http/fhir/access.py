"""Who calls a FHIR endpoint: the REST API's token, resolved once per request the same
way (``docs/api.md``): the token's rate-limit bucket, then ``authenticate`` (the call
audited as ``api.called`` and the token's last use recorded), then the scope."""

from __future__ import annotations

from dataclasses import dataclass, replace

from aiohttp import web

from bot.http.api.operations import CONFIG
from domain.actors import Actor
from domain.api_access import Scope, hash_token
from domain.audit import Source
from domain.errors import NotAuthenticated
from domain.ports import Deps
from domain.usecases.api_tokens import authenticate, check_scope


@dataclass(frozen=True, slots=True)
class Caller:
    deps: Deps
    actor: Actor


async def caller_of(request: web.Request, operation: str, scope: Scope) -> Caller:
    config = request.config_dict[CONFIG]
    secret = _bearer(request)
    wait = config.limiter.take(hash_token(secret))
    if wait:
        raise web.HTTPTooManyRequests(headers={"Retry-After": str(int(wait))})
    deps = replace(request.config_dict[config.deps_key], source=Source.API)
    caller = await authenticate(deps, secret, operation)
    check_scope(caller, scope)
    return Caller(deps, caller.actor)


def _bearer(request: web.Request) -> str:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise NotAuthenticated("a bearer token is needed")
    return secret.strip()
