"""The generic queue: claims under a lease, retries with backoff, dead rows.

It runs on a table of its own with other column and state names than the
outbox's, as the next queue (processing jobs) will have.
"""

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.queue import Backoff, Queue, QueueTable
from storage.types import UTCDateTime

NOW = datetime(2026, 5, 4, 13, 0, tzinfo=UTC)
LEASE = timedelta(seconds=60)

jobs = Table(
    "test_jobs",
    MetaData(),
    Column("job_id", Integer, primary_key=True),
    Column("name", String(32), nullable=False),
    Column("status", String(16), nullable=False),
    Column("tries", Integer, nullable=False),
    Column("run_at", UTCDateTime(), nullable=False),
    Column("locked_until", UTCDateTime()),
    Column("error", String(200)),
)
JOBS = QueueTable(
    jobs,
    id="job_id",
    state="status",
    attempts="tries",
    next_attempt_at="run_at",
    lease_until="locked_until",
    last_error="error",
    queued="pending",
    claimed="running",
    dead="failed",
)
#: No jitter, so delays are exact: 2 s after the first attempt, 4 s after the second.
BACKOFF = Backoff(max_attempts=3, base=2.0, jitter=lambda: 1.0)


@pytest.fixture
async def queue(engine: AsyncEngine) -> Queue:
    async with engine.begin() as conn:
        await conn.run_sync(jobs.metadata.create_all)
    return Queue(engine, JOBS)


async def add_jobs(engine: AsyncEngine, *due: datetime) -> None:
    rows = [
        {"name": f"job{n}", "status": "pending", "tries": 0, "run_at": at}
        for n, at in enumerate(due, start=1)
    ]
    async with engine.begin() as conn:
        await conn.execute(insert(jobs), rows)


async def claim_names(queue: Queue, now: datetime, limit: int = 10) -> list[str]:
    return [row.name for row in await queue.claim(now, limit, now + LEASE, [jobs.c.name])]


async def job(engine: AsyncEngine, name: str) -> dict[str, object]:
    async with engine.connect() as conn:
        row = (await conn.execute(select(jobs).where(jobs.c.name == name))).one()
    return dict(row._mapping)


async def test_only_due_rows_are_claimed_oldest_first_each_counting_an_attempt(
    engine, queue
) -> None:
    await add_jobs(engine, NOW + timedelta(minutes=1), NOW - timedelta(minutes=1), NOW)

    claimed = await queue.claim(NOW, 10, NOW + LEASE, [jobs.c.name, jobs.c.tries])

    assert sorted((row.name, row.tries) for row in claimed) == [("job2", 1), ("job3", 1)]
    assert await queue.counts() == {"pending": 1, "running": 2}
    assert await claim_names(queue, NOW) == []


async def test_a_claim_takes_no_more_than_its_limit_and_the_oldest_first(engine, queue) -> None:
    await add_jobs(engine, NOW, NOW - timedelta(seconds=2), NOW - timedelta(seconds=1))

    assert await claim_names(queue, NOW, limit=2) == ["job2", "job3"]


async def test_concurrent_claims_never_share_a_row(engine, queue) -> None:
    await add_jobs(engine, *[NOW] * 200)

    batches = await asyncio.gather(
        *(queue.claim(NOW, 30, NOW + LEASE, [jobs.c.name]) for _ in range(8))
    )

    ids = [row.job_id for batch in batches for row in batch]
    assert len(ids) == len(set(ids)) == 200


async def test_a_row_whose_lease_ran_out_is_queued_again_and_claimed_anew(engine, queue) -> None:
    await add_jobs(engine, NOW)
    await claim_names(queue, NOW)

    assert await queue.release_expired(NOW + LEASE) == 0  # the lease still holds
    assert await queue.release_expired(NOW + LEASE + timedelta(seconds=1)) == 1
    [again] = await queue.claim(NOW + LEASE, 10, NOW + 2 * LEASE, [jobs.c.tries])
    assert again.tries == 2


async def test_the_idle_check_sees_due_rows_and_expired_leases_only(engine, queue) -> None:
    assert not await queue.has_work(NOW)
    await add_jobs(engine, NOW + timedelta(minutes=1))
    assert not await queue.has_work(NOW)
    assert await queue.has_work(NOW + timedelta(minutes=1))

    await claim_names(queue, NOW + timedelta(minutes=1))

    assert not await queue.has_work(NOW + timedelta(minutes=1))
    assert await queue.has_work(NOW + timedelta(minutes=1) + LEASE + timedelta(seconds=1))


async def test_a_failed_row_is_retried_after_a_backoff_that_doubles_with_each_attempt(
    engine, queue
) -> None:
    await add_jobs(engine, NOW)
    [first] = await queue.claim(NOW, 10, NOW + LEASE, [])

    assert await queue.fail([first.job_id], NOW, "timed out", BACKOFF) == 0
    assert await claim_names(queue, NOW + timedelta(seconds=1)) == []
    assert await claim_names(queue, NOW + timedelta(seconds=2)) == ["job1"]
    assert await queue.fail([first.job_id], NOW, "timed out again", BACKOFF) == 0

    stored = await job(engine, "job1")
    assert (stored["status"], stored["tries"], stored["error"]) == ("pending", 2, "timed out again")
    assert stored["run_at"] == NOW + timedelta(seconds=4)
    assert stored["locked_until"] is None


async def test_a_row_dies_when_its_last_allowed_attempt_fails(engine, queue) -> None:
    await add_jobs(engine, NOW)
    for attempt in range(BACKOFF.max_attempts):
        now = NOW + timedelta(minutes=attempt)
        [row] = await queue.claim(now, 10, now + LEASE, [])
        died = await queue.fail([row.job_id], now, "boom", BACKOFF)

    assert died == 1
    assert await queue.counts() == {"failed": 1}
    assert not await queue.has_work(NOW + timedelta(days=1))


async def test_a_row_settled_while_claimed_stays_settled_when_a_failure_comes_in(
    engine, queue
) -> None:
    await add_jobs(engine, NOW)
    [row] = await queue.claim(NOW, 10, NOW + LEASE, [])
    await queue.settle([row.job_id], "cancelled", "no longer wanted")

    assert await queue.fail([row.job_id], NOW, "timed out", BACKOFF) == 0
    await queue.retry([row.job_id], NOW, "timed out")

    assert await queue.counts() == {"cancelled": 1}


async def test_a_row_handed_back_unattempted_is_claimed_again_with_the_same_count(
    engine, queue
) -> None:
    await add_jobs(engine, NOW)
    [row] = await queue.claim(NOW, 10, NOW + LEASE, [])

    await queue.release([row.job_id])

    [again] = await queue.claim(NOW, 10, NOW + LEASE, [jobs.c.tries])
    assert (again.job_id, again.tries) == (row.job_id, 1)


async def test_dead_rows_can_be_queued_again_with_their_attempts_reset(engine, queue) -> None:
    await add_jobs(engine, NOW - timedelta(hours=1))
    [row] = await queue.claim(NOW, 10, NOW + LEASE, [])
    await queue.mark_dead([row.job_id], "gave up")
    assert await queue.count("failed") == 1

    assert await queue.requeue_dead(NOW) == 1

    assert await queue.oldest_due() == NOW
    [again] = await queue.claim(NOW, 10, NOW + LEASE, [jobs.c.tries])
    assert again.tries == 1
