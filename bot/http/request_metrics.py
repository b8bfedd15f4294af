"""Every HTTP request counted, by route pattern, method and status, with its latency.

The label is the route's pattern (``/api/v1/appointments/{id}``), never the path
itself, so ids in paths never reach a label; a request no route matched counts as
``unmatched``. Unusual methods count as ``other``.
"""

from __future__ import annotations

import time

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.metrics import HTTP_REQUESTS, HTTP_SECONDS

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def route_of(request: web.Request) -> str:
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


@web.middleware
async def count_requests(request: web.Request, handler: Handler) -> web.StreamResponse:
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
    except web.HTTPException as error:  # raised answers (404, 405, redirects) count as such
        status = error.status
        raise
    finally:
        route = route_of(request)
        method = request.method if request.method in METHODS else "other"
        HTTP_REQUESTS.labels(route, method, str(status)).inc()
        HTTP_SECONDS.labels(route, method).observe(time.perf_counter() - started)
    return response
