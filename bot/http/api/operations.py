"""One table of operations is the REST API: each names its method, path, scope and
the pydantic models of its path, query, body and answer. :func:`route` turns one into
an aiohttp handler that, for every request, in this order:

1. takes one from the token's rate-limit bucket (429 with ``Retry-After`` when empty);
2. resolves the caller from the token, once (``domain.usecases.api_tokens.authenticate``:
   401 for none or a revoked one; the call is audited and the token's last use recorded);
3. checks the operation's scope (403);
4. validates the path, query and body with the models (400, listing what is wrong);
5. for a ``POST`` with an ``Idempotency-Key``, answers a retry with the stored answer;
6. calls the operation, which calls one use case or query, and renders the answer.

Errors become problem documents in ``bot.http.api.problems``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

from aiohttp import web
from pydantic import BaseModel, ValidationError

from bot.http.api.problems import RequestInvalid, render_error
from bot.http.api.ratelimit import RateLimiter
from domain.api_access import Scope, hash_token
from domain.audit import Source
from domain.errors import NotAuthenticated
from domain.ports import Deps
from domain.usecases.api_tokens import (
    ApiCaller,
    authenticate,
    begin_request,
    check_scope,
    finish_request,
)

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True, slots=True)
class Call:
    """One validated request: who calls, and what they sent."""

    deps: Deps
    caller: ApiCaller
    path: BaseModel | None
    query: BaseModel | None
    body: BaseModel | None

    def path_as(self, kind: type[M]) -> M:
        return _as(self.path, kind)

    def query_as(self, kind: type[M]) -> M:
        return _as(self.query, kind)

    def body_as(self, kind: type[M]) -> M:
        return _as(self.body, kind)


def _as(value: BaseModel | None, kind: type[M]) -> M:
    if not isinstance(value, kind):
        raise TypeError(f"expected {kind.__name__}")
    return value


@dataclass(frozen=True, slots=True)
class Operation:
    id: str
    method: str
    path: str
    summary: str
    scope: Scope
    run: Callable[[Call], Awaitable[BaseModel]]
    response: type[BaseModel]
    status: int = 200
    path_model: type[BaseModel] | None = None
    query: type[BaseModel] | None = None
    body: type[BaseModel] | None = None
    tag: str = ""


@dataclass(frozen=True, slots=True)
class ApiConfig:
    deps_key: web.AppKey[Deps]
    limiter: RateLimiter


CONFIG = web.AppKey("api_config", ApiConfig)


def route(operation: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    async def handle(request: web.Request) -> web.StreamResponse:
        deps, caller = await authenticated(request, operation.id, operation.scope)
        raw = await request.read()
        call = Call(
            deps,
            caller,
            _validate(operation.path_model, dict(request.match_info), "path"),
            _validate(operation.query, _query(request), "query"),
            _validate(operation.body, _json(raw), "body") if operation.body else None,
        )
        key = request.headers.get("Idempotency-Key")
        if operation.method != "POST" or key is None:
            return await _answer(operation, call)
        fingerprint = hashlib.sha256(
            f"{operation.method} {request.path}\n".encode() + raw
        ).hexdigest()
        stored = await begin_request(deps, caller, key, fingerprint)
        if stored is not None and stored.status is not None:
            return web.Response(
                status=stored.status,
                text=stored.body,
                headers={"Content-Type": stored.content_type, "Idempotent-Replayed": "true"},
            )
        try:
            response = await _answer(operation, call)
        except Exception as error:  # noqa: BLE001 (rendered and stored: a retry gets it again)
            response = render_error(error, request)
        await finish_request(
            deps,
            caller,
            key,
            status=response.status,
            body=response.text or "",
            content_type=response.content_type,
        )
        return response

    handle.__name__ = operation.id
    return handle


async def authenticated(
    request: web.Request, operation_id: str, scope: Scope
) -> tuple[Deps, ApiCaller]:
    """Who calls, from the bearer token, once per request (the REST API's and FHIR's): the
    token's rate-limit bucket, then ``authenticate`` (the call audited as ``api.called``
    and the token's last use recorded), then the scope. The deps say the source is the
    API, for every audit entry the call makes."""
    config = request.config_dict[CONFIG]
    secret = _bearer(request)
    wait = config.limiter.take(hash_token(secret))
    if wait:
        raise web.HTTPTooManyRequests(headers={"Retry-After": str(int(wait))})
    deps = replace(request.config_dict[config.deps_key], source=Source.API)
    caller = await authenticate(deps, secret, operation_id)
    check_scope(caller, scope)
    return deps, caller


async def _answer(operation: Operation, call: Call) -> web.Response:
    result = await operation.run(call)
    return web.Response(
        status=operation.status,
        text=result.model_dump_json(by_alias=True),
        content_type="application/json",
    )


def _bearer(request: web.Request) -> str:
    header = request.headers.get("Authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise NotAuthenticated("a bearer token is needed")
    return secret.strip()


def _query(request: web.Request) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in request.query.items():
        if name in found:
            raise RequestInvalid(f"query parameter {name!r} is given twice")
        found[name] = value
    return found


def _json(raw: bytes) -> Any:
    if not raw.strip():
        return {}
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise RequestInvalid("the body is not JSON") from None


def _validate(model: type[BaseModel] | None, data: Any, where: str) -> BaseModel | None:
    if model is None:
        return None
    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = [
            {"in": where, "loc": [str(p) for p in e["loc"]], "msg": e["msg"]}
            for e in error.errors(include_url=False, include_input=False)
        ]
        raise RequestInvalid(f"the {where} does not match the document", problems) from None
