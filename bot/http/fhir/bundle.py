"""A search's answer: a ``Bundle`` of type ``searchset`` with the ``total`` of matches and
one page of entries. Pages follow a keyset cursor, the last entry's sort key, as the
REST API's do: entries added meanwhile never make a page repeat or skip one."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from aiohttp import web

from bot.http.fhir.outcomes import SearchInvalid
from bot.http.fhir.params import page_size

#: One match: its sort key (unique, ordered as text) and its resource.
Row = tuple[str, dict[str, Any]]


def base_url(request: web.Request) -> str:
    return f"{request.url.origin()}/fhir/R4"


def searchset(request: web.Request, rows: list[Row]) -> dict[str, Any]:
    rows = sorted(rows, key=lambda r: r[0])
    size = page_size(request.query)
    after = _decode(request.query["_cursor"]) if "_cursor" in request.query else None
    remaining = [r for r in rows if after is None or r[0] > after]
    page = remaining[:size]
    base = base_url(request)
    links = [{"relation": "self", "url": str(request.url)}]
    if len(remaining) > size:
        cursor = _encode(page[-1][0])
        links.append({"relation": "next", "url": str(request.url.update_query(_cursor=cursor))})
    bundle: dict[str, Any] = {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(rows),
        "link": links,
    }
    if page:  # FHIR's JSON has no empty arrays
        bundle["entry"] = [
            {
                "fullUrl": f"{base}/{resource['resourceType']}/{resource['id']}",
                "resource": resource,
                "search": {"mode": "match"},
            }
            for _, resource in page
        ]
    return bundle


def _encode(key: str) -> str:
    return base64.urlsafe_b64encode(key.encode()).decode().rstrip("=")


def _decode(text: str) -> str:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)).decode()
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise SearchInvalid("malformed _cursor") from None
