"""Errors become ``application/problem+json`` (RFC 9457) in one middleware, keyed by the
same ``DomainError.code`` the bot's replies are (``bot.handlers.errors``).

A code with no entry answers as its nearest ancestor's: ``concurrent_change`` as
``invalid_transition``. The body's ``code`` is the error's own, for clients to branch on.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

import structlog
from aiohttp import web

from domain.errors import DomainError

log = structlog.get_logger(__name__)

PROBLEM = "application/problem+json"

STATUSES: dict[str, int] = {
    "domain_error": 400,
    "invalid_input": 422,
    "not_found": 404,
    "not_registered": 404,  # a booking for nobody: the patient named does not exist
    "not_authenticated": 401,
    "not_allowed": 403,
    "invalid_transition": 409,
    "cancellation_window_closed": 409,
    "offer_closed": 409,
    "already_registered": 409,
    "request_in_progress": 409,
    "idempotency_key_reused": 422,
    "unavailable": 409,
    "invitation_invalid": 404,
}


def status_for(error: DomainError) -> int:
    for kind in type(error).__mro__:
        code = getattr(kind, "code", None)
        if isinstance(code, str) and code in STATUSES:
            return STATUSES[code]
    return 400


class RequestInvalid(Exception):
    """The request does not match the document (``bot.http.api.operations``): 400."""

    def __init__(self, detail: str, errors: list[dict[str, Any]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


def problem(
    status: int,
    code: str,
    detail: str = "",
    *,
    headers: dict[str, str] | None = None,
    errors: list[dict[str, Any]] | None = None,
) -> web.Response:
    body: dict[str, Any] = {
        "type": f"https://medbot.invalid/problems/{code}",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "code": code,
    }
    if detail:
        body["detail"] = detail
    if errors:
        body["errors"] = errors
    return web.Response(status=status, text=json.dumps(body), content_type=PROBLEM, headers=headers)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def problems(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error of an API request as a problem document; no stack trace leaves."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return render_error(error, request)
    except Exception as error:  # noqa: BLE001 (rendered, and logged when unexpected)
        return render_error(error, request)


def render_error(error: Exception, request: web.Request) -> web.Response:
    """The problem document for ``error``; an unexpected one is logged and answers 500."""
    if isinstance(error, DomainError):
        status = status_for(error)
        if status == 401:
            return problem(status, error.code, headers={"WWW-Authenticate": "Bearer"})
        # The domain's messages hold ids and fragments, never a person's data.
        return problem(status, error.code, str(error))
    if isinstance(error, RequestInvalid):
        return problem(400, "invalid_request", error.detail, errors=error.errors)
    if isinstance(error, web.HTTPException) and error.status >= 400:
        headers = {k: v for k, v in error.headers.items() if k in ("Allow", "Retry-After")}
        return problem(error.status, error.reason.lower().replace(" ", "_"), headers=headers)
    log.error("api_error", path=request.path, method=request.method, exc_info=error)
    return problem(500, "internal_error")
