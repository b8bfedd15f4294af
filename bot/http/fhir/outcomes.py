"""Errors of a FHIR request become an ``OperationOutcome`` (FHIR's error format) in one
middleware, with the status the REST API gives the same ``DomainError.code``
(``bot.http.api.problems.status_for``); the medbot code is in ``issue.details``.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import structlog
from aiohttp import web

from bot.http.api.problems import status_for
from domain.errors import DomainError

log = structlog.get_logger(__name__)

FHIR_JSON = "application/fhir+json"
#: Where medbot's error codes are named, in ``issue.details.coding``.
ERROR_SYSTEM = "https://medbot.invalid/fhir/CodeSystem/error"

#: The FHIR issue type (``IssueType``) of each HTTP status.
ISSUE_TYPES: dict[int, str] = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    409: "conflict",
    422: "business-rule",
    429: "throttled",
}


class SearchInvalid(Exception):
    """A search parameter FHIR or medbot does not accept: 400."""

    code = "invalid_request"


def fhir_response(body: dict[str, Any], status: int = 200, **kwargs: Any) -> web.Response:
    return web.Response(
        status=status, text=json.dumps(body), content_type=FHIR_JSON, charset="utf-8", **kwargs
    )


def outcome(
    status: int, code: str, diagnostics: str = "", headers: dict[str, str] | None = None
) -> web.Response:
    issue: dict[str, Any] = {
        "severity": "error" if status < 500 else "fatal",
        "code": ISSUE_TYPES.get(status, "exception"),
        "details": {"coding": [{"system": ERROR_SYSTEM, "code": code}], "text": code},
    }
    if diagnostics:
        issue["diagnostics"] = diagnostics
    body = {"resourceType": "OperationOutcome", "issue": [issue]}
    return fhir_response(body, status, headers=headers)


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def outcomes(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every error of a FHIR request as an OperationOutcome; no stack trace leaves."""
    try:
        return await handler(request)
    except web.HTTPException as error:
        if error.status < 400:
            raise
        return render(error, request)
    except Exception as error:  # noqa: BLE001 (rendered, and logged when unexpected)
        return render(error, request)


def render(error: Exception, request: web.Request) -> web.Response:
    if isinstance(error, DomainError):
        status = status_for(error)
        if status == 401:
            return outcome(status, error.code, headers={"WWW-Authenticate": "Bearer"})
        # The domain's messages hold ids and fragments, never a person's data.
        return outcome(status, error.code, str(error))
    if isinstance(error, SearchInvalid):
        return outcome(400, error.code, str(error))
    if isinstance(error, web.HTTPException) and error.status >= 400:
        headers = {k: v for k, v in error.headers.items() if k in ("Allow", "Retry-After")}
        return outcome(error.status, error.reason.lower().replace(" ", "_"), headers=headers)
    log.error("fhir_error", path=request.path, method=request.method, exc_info=error)
    return outcome(500, "internal_error")
