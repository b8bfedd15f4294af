"""A clinic's system calling the REST API of a running medbot, over real HTTP."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp

from domain.actors import SYSTEM
from domain.api_access import Scope
from domain.usecases.api_tokens import CreateTokenCommand, create_token
from tests.e2e.medbot import Clinic


@dataclass
class Answer:
    status: int
    content_type: str
    headers: dict[str, str]
    body: Any


class ApiClient:
    def __init__(self, http: aiohttp.ClientSession, clinic: Clinic, token: str | None) -> None:
        self.http = http
        self.base = f"http://127.0.0.1:{clinic.runtime.http_port}/api/v1"
        self.token = token

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> Answer:
        sent = dict(headers or {})
        if self.token is not None:
            sent["Authorization"] = f"Bearer {self.token}"
        async with self.http.request(
            method, self.base + path, json=json, params=params, headers=sent
        ) as response:
            body = await response.json(content_type=None)
            return Answer(response.status, response.content_type, dict(response.headers), body)


async def token_for(clinic: Clinic, name: str, *scopes: Scope) -> str:
    made = await create_token(clinic.deps, SYSTEM, CreateTokenCommand(name, frozenset(scopes)))
    return made.secret
