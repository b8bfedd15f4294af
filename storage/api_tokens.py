"""The REST API's tokens and its stored answers to idempotent requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from domain.api_access import ApiToken, Scope, StoredResponse
from domain.errors import RequestInProgress, TokenNameTaken
from storage.tables import api_stored_responses, api_tokens


class SqlApiTokens:
    """Implements :class:`domain.ports.ApiTokenRepository` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def add(self, token: ApiToken) -> ApiToken:
        """``TokenNameTaken`` when an active token has the name, even one another
        transaction made meanwhile (the partial unique index ``uq_api_tokens_active_name``;
        the hash is 256 random bits, so the name is what can collide)."""
        try:
            result = await self._conn.execute(
                insert(api_tokens)
                .values(
                    name=token.name,
                    token_hash=token.token_hash,
                    scopes=",".join(sorted(token.scopes)),
                    created_at=token.created_at,
                    created_by=token.created_by,
                )
                .returning(api_tokens.c.id)
            )
        except IntegrityError:
            raise TokenNameTaken(f"an active token is named {token.name!r} already") from None
        token.id = result.scalar_one()
        return token

    async def get_by_hash(self, token_hash: str) -> ApiToken | None:
        return await self._one(select(api_tokens).where(api_tokens.c.token_hash == token_hash))

    async def get_by_name(self, name: str) -> ApiToken | None:
        return await self._one(
            select(api_tokens).where(api_tokens.c.name == name, api_tokens.c.revoked_at.is_(None))
        )

    async def list_all(self) -> list[ApiToken]:
        rows = await self._conn.execute(select(api_tokens).order_by(api_tokens.c.id))
        return [_token(row) for row in rows]

    async def save(self, token: ApiToken) -> None:
        await self._conn.execute(
            update(api_tokens)
            .where(api_tokens.c.id == token.id)
            .values(last_used_at=token.last_used_at, revoked_at=token.revoked_at)
        )

    async def record_use(self, token_id: int, at: datetime) -> None:
        await self._conn.execute(
            update(api_tokens).where(api_tokens.c.id == token_id).values(last_used_at=at)
        )

    async def _one(self, query: Any) -> ApiToken | None:
        row = (await self._conn.execute(query)).first()
        return None if row is None else _token(row)


def _token(row: Any) -> ApiToken:
    return ApiToken(
        name=row.name,
        token_hash=row.token_hash,
        scopes=frozenset(Scope(s) for s in row.scopes.split(",") if s),
        created_at=row.created_at,
        created_by=row.created_by,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
        id=row.id,
    )


class SqlStoredResponses:
    """Implements :class:`domain.ports.StoredResponseRepository` on one connection."""

    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def get(self, token_id: int, key: str) -> StoredResponse | None:
        query = select(api_stored_responses).where(
            api_stored_responses.c.token_id == token_id, api_stored_responses.c.key == key
        )
        row = (await self._conn.execute(query)).first()
        if row is None:
            return None
        return StoredResponse(
            token_id=row.token_id,
            key=row.key,
            fingerprint=row.fingerprint,
            created_at=row.created_at,
            status=row.status,
            body=row.body,
            content_type=row.content_type,
        )

    async def begin(self, response: StoredResponse) -> None:
        try:
            await self._conn.execute(
                insert(api_stored_responses).values(
                    token_id=response.token_id,
                    key=response.key,
                    fingerprint=response.fingerprint,
                    created_at=response.created_at,
                    status=None,
                    body="",
                    content_type="",
                )
            )
        except IntegrityError:  # a concurrent transaction holds the key (PostgreSQL);
            # the transaction is aborted, and the unit of work rolls it back
            raise RequestInProgress(response.key) from None

    async def finish(self, response: StoredResponse) -> None:
        await self._conn.execute(
            update(api_stored_responses)
            .where(
                api_stored_responses.c.token_id == response.token_id,
                api_stored_responses.c.key == response.key,
            )
            .values(status=response.status, body=response.body, content_type=response.content_type)
        )
