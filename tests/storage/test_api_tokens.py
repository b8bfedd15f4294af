"""API tokens and idempotent answers in a real database."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from domain.actors import SYSTEM, Actor, Role
from domain.api_access import Scope, hash_token
from domain.errors import (
    IdempotencyKeyReused,
    InvalidInput,
    NotAllowed,
    NotAuthenticated,
    NotFound,
    RequestInProgress,
    TokenNameTaken,
)
from domain.usecases.api_tokens import (
    CreateTokenCommand,
    authenticate,
    begin_request,
    create_token,
    finish_request,
    free_token_name,
    list_tokens,
    revoke_token,
)
from storage.tables import api_tokens
from tests.databases import sql_deps
from tests.unit.fakes import FakeClock

READ = frozenset({Scope.READ})


async def test_a_token_is_stored_only_as_its_hash_and_names_its_caller(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    deps = sql_deps(engine, clock)
    made = await create_token(deps, SYSTEM, CreateTokenCommand("records", READ))

    caller = await authenticate(deps, made.secret, "listDoctors")

    async with engine.connect() as conn:
        row = (await conn.execute(select(api_tokens))).one()
    assert made.secret not in row
    assert row.token_hash == hash_token(made.secret)
    assert caller.actor == Actor(Role.API, row.id)
    assert (caller.name, caller.scopes) == ("records", READ)
    assert row.last_used_at == clock.now()


async def test_a_revoked_token_names_nobody_and_its_name_can_be_used_again(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    deps = sql_deps(engine, clock)
    old = await create_token(deps, SYSTEM, CreateTokenCommand("records", READ))
    await revoke_token(deps, SYSTEM, "records")

    new = await create_token(deps, SYSTEM, CreateTokenCommand("records", READ))

    with pytest.raises(NotAuthenticated):
        await authenticate(deps, old.secret, "listDoctors")
    assert (await authenticate(deps, new.secret, "listDoctors")).name == "records"
    assert [t.active for t in await list_tokens(deps, SYSTEM)] == [False, True]


async def test_two_active_tokens_cannot_share_a_name_and_only_admins_make_them(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    deps = sql_deps(engine, clock)
    await create_token(deps, SYSTEM, CreateTokenCommand("records", READ))

    with pytest.raises(TokenNameTaken):
        await create_token(deps, SYSTEM, CreateTokenCommand("records", READ))
    with pytest.raises(InvalidInput):
        await create_token(deps, SYSTEM, CreateTokenCommand(" ", READ))
    with pytest.raises(NotAllowed):
        await create_token(deps, Actor(Role.PATIENT, 1), CreateTokenCommand("mine", READ))
    with pytest.raises(NotAllowed):
        await free_token_name(deps, Actor(Role.PATIENT, 1), "mine")
    with pytest.raises(TokenNameTaken):
        await free_token_name(deps, SYSTEM, " records ")
    assert await free_token_name(deps, SYSTEM, " mine ") == "mine"


async def test_two_admins_making_one_name_at_the_same_moment_leave_one_active_token(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    deps = sql_deps(engine, clock)
    command = CreateTokenCommand("records", READ)

    made = await asyncio.gather(
        *(create_token(deps, SYSTEM, command) for _ in range(5)), return_exceptions=True
    )

    assert sum(not isinstance(m, BaseException) for m in made) == 1
    assert all(isinstance(m, TokenNameTaken) for m in made if isinstance(m, BaseException))
    async with engine.connect() as conn:
        assert len((await conn.execute(select(api_tokens))).all()) == 1


async def test_a_revocation_for_one_token_never_revokes_a_newer_token_of_the_same_name(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    deps = sql_deps(engine, clock)
    old = await create_token(deps, SYSTEM, CreateTokenCommand("records", READ))
    await revoke_token(deps, SYSTEM, "records", token_id=old.token.id)
    new = await create_token(deps, SYSTEM, CreateTokenCommand("records", READ))

    with pytest.raises(NotFound):
        await revoke_token(deps, SYSTEM, "records", token_id=old.token.id)

    assert (await authenticate(deps, new.secret, "listDoctors")).name == "records"


async def test_a_key_is_held_while_its_request_runs_then_answers_every_retry(
    engine: AsyncEngine, clock: FakeClock
) -> None:
    deps = sql_deps(engine, clock)
    made = await create_token(deps, SYSTEM, CreateTokenCommand("records", READ))
    caller = await authenticate(deps, made.secret, "bookAppointment")

    assert await begin_request(deps, caller, "k1", "f1") is None
    with pytest.raises(RequestInProgress):
        await begin_request(deps, caller, "k1", "f1")
    await finish_request(deps, caller, "k1", status=201, body="{}", content_type="x/y")
    stored = await begin_request(deps, caller, "k1", "f1")
    with pytest.raises(IdempotencyKeyReused):
        await begin_request(deps, caller, "k1", "another request")

    assert stored is not None
    assert (stored.status, stored.body, stored.content_type) == (201, "{}", "x/y")
