"""API tokens: made and revoked by an admin (or ``medbot api-token``), and resolved once
per request into the :class:`~domain.actors.Actor` the API acts as.

The token is the caller's identity: a request's actor is ``api:<token id>``, read from
the ``Authorization`` header by :func:`authenticate`, never from the data it sends.
Each call records the token's last use and one ``api.called`` audit entry; what the
call changes is audited by its own use case, under the same actor.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from domain.actors import Actor, Role
from domain.api_access import (
    ApiToken,
    NewToken,
    Scope,
    StoredResponse,
    clean_token_name,
    grants,
    hash_token,
    new_secret,
)
from domain.audit import Action
from domain.errors import (
    IdempotencyKeyReused,
    InvalidInput,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    RequestInProgress,
    TokenNameTaken,
)
from domain.ports import Deps
from domain.usecases.invitations import check_admin
from domain.usecases.shared import audit


@dataclass(frozen=True, slots=True)
class CreateTokenCommand:
    name: str
    scopes: frozenset[Scope]


@dataclass(frozen=True, slots=True)
class ApiCaller:
    """Who is calling, resolved once per request from the token."""

    actor: Actor
    name: str
    scopes: frozenset[Scope]

    @property
    def token_id(self) -> int:
        return self.actor.id or 0


async def create_token(deps: Deps, actor: Actor, command: CreateTokenCommand) -> NewToken:
    """A new token with a name no active token has (else ``TokenNameTaken``); its secret
    is returned only here."""
    check_admin(actor)
    name = clean_token_name(command.name)
    if not command.scopes:
        raise InvalidInput("a token needs at least one scope")
    secret = new_secret()
    token = ApiToken(name, hash_token(secret), command.scopes, deps.clock.now(), str(actor))
    async with deps.uow() as uow:
        if await uow.api_tokens.get_by_name(name) is not None:
            raise TokenNameTaken(f"an active token is named {name!r} already")
        token = await uow.api_tokens.add(token)
        await audit(uow, deps, actor, Action.API_TOKEN_CREATED, ("api_token", token.id))
        await uow.commit()
    return NewToken(token, secret)


async def revoke_token(
    deps: Deps, actor: Actor, name: str, *, token_id: int | None = None
) -> ApiToken:
    """Revoke the active token with this name: from now on it answers 401.

    With ``token_id`` (a button names the token it was shown for), only if the active
    token with this name is still that one: ``NotFound`` otherwise, so a token made since
    under a revoked one's name is never revoked by the old button.
    """
    check_admin(actor)
    async with deps.uow() as uow:
        token = await uow.api_tokens.get_by_name(name.strip())
        if token is None or token_id not in (None, token.id):
            raise NotFound("api token")
        token.revoked_at = deps.clock.now()
        await uow.api_tokens.save(token)
        await audit(uow, deps, actor, Action.API_TOKEN_REVOKED, ("api_token", token.id))
        await uow.commit()
    return token


async def list_tokens(deps: Deps, actor: Actor) -> list[ApiToken]:
    """Every token, revoked ones too, by id."""
    check_admin(actor)
    async with deps.uow(read_only=True) as uow:
        return await uow.api_tokens.list_all()


async def free_token_name(deps: Deps, actor: Actor, raw: str) -> str:
    """``raw`` cleaned (``clean_token_name``), if no active token has it, else
    ``TokenNameTaken``: advisory, to ask again at once; :func:`create_token` checks again
    in its own transaction."""
    check_admin(actor)
    name = clean_token_name(raw)
    async with deps.uow(read_only=True) as uow:
        if await uow.api_tokens.get_by_name(name) is not None:
            raise TokenNameTaken(f"an active token is named {name!r} already")
    return name


async def authenticate(deps: Deps, secret: str, operation: str) -> ApiCaller:
    """The caller a raw token names, for one call of ``operation``; records the token's
    last use and audits the call in one transaction. ``NotAuthenticated`` for a token
    unknown or revoked.

    The look-up reads without a transaction, so made-up tokens never take the write lock
    bookings need; the use is recorded alone (``record_use``), so it cannot undo a
    revocation made meanwhile."""
    now = deps.clock.now()
    async with deps.uow(read_only=True) as uow:
        token = await uow.api_tokens.get_by_hash(hash_token(secret))
    if token is None or not token.active or token.id is None:
        raise NotAuthenticated("unknown or revoked token")
    async with deps.uow() as uow:
        await uow.api_tokens.record_use(token.id, now)
        actor = Actor(Role.API, token.id)
        await audit(uow, deps, actor, Action.API_CALLED, ("operation", operation))
        await uow.commit()
    return ApiCaller(actor, token.name, token.scopes)


def check_scope(caller: ApiCaller, scope: Scope) -> None:
    """``admin`` includes ``write`` and ``read``; ``write`` does not include ``read``."""
    if not grants(caller.scopes, scope):
        raise NotAllowed(f"the token lacks the {scope} scope")


async def begin_request(
    deps: Deps, caller: ApiCaller, key: str, fingerprint: str
) -> StoredResponse | None:
    """Hold ``key`` for this request: None if it is new (go ahead, then
    :func:`finish_request`); the stored answer if it was given before.

    ``IdempotencyKeyReused`` when the key came with another request;
    ``RequestInProgress`` while the first one runs (or if it died mid-way).
    """
    if not 1 <= len(key) <= 200 or not key.isprintable():
        raise InvalidInput("an Idempotency-Key is 1 to 200 printable characters")
    held = StoredResponse(caller.token_id, key, fingerprint, deps.clock.now())
    async with deps.uow() as uow:
        stored = await uow.stored_responses.get(caller.token_id, key)
        if stored is not None:
            if stored.fingerprint != fingerprint:
                raise IdempotencyKeyReused(key)
            if stored.status is None:
                raise RequestInProgress(key)
            return stored
        await uow.stored_responses.begin(held)
        await uow.commit()
    return None


async def finish_request(
    deps: Deps, caller: ApiCaller, key: str, *, status: int, body: str, content_type: str
) -> None:
    """Store the answer given under ``key``, for every retry to get it again."""
    async with deps.uow() as uow:
        stored = await uow.stored_responses.get(caller.token_id, key)
        if stored is None:
            return
        await uow.stored_responses.finish(
            replace(stored, status=status, body=body, content_type=content_type)
        )
        await uow.commit()
