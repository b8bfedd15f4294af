"""What the unit tests share: the in-memory database, a clock that tests move, and ``Deps``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.ports import Deps
from tests.unit.fakes import FakeClock, FakeDatabase, fake_deps

# Monday 4 May 2026, 08:00 in Lima (UTC-5 all year).
NOW = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)


@pytest.fixture
def db() -> FakeDatabase:
    return FakeDatabase()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def deps(db: FakeDatabase, clock: FakeClock) -> Deps:
    return fake_deps(db, clock)
